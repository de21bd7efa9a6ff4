/** The small part of irc-framework (it ships no types) that the IRC tests use. */
declare module 'irc-framework' {
  export interface IrcEvent {
    nick?: string;
    ident?: string;
    hostname?: string;
    target?: string;
    channel?: string;
    message?: string;
    type?: string;
    kicked?: string;
    new_nick?: string;
    topic?: string;
    tags?: Record<string, string>;
    [key: string]: unknown;
  }
  export interface ConnectOptions {
    host: string;
    port: number;
    nick: string;
    username?: string;
    gecos?: string;
    auto_reconnect?: boolean;
    enable_echomessage?: boolean;
  }
  export class Client {
    constructor(options?: Partial<ConnectOptions>);
    user: { nick: string };
    connected: boolean;
    whois(nick: string, cb: (data: { away?: string; nick?: string }) => void): void;
    connect(options?: ConnectOptions): void;
    on(event: string, listener: (event: IrcEvent) => void): this;
    once(event: string, listener: (event: IrcEvent) => void): this;
    removeListener(event: string, listener: (event: IrcEvent) => void): this;
    join(channel: string, key?: string): void;
    part(channel: string, message?: string): void;
    say(target: string, message: string, tags?: Record<string, string>): void;
    /** IRCv3 TAGMSG: client tags only (the 'tagmsg' event on the other side). */
    tagmsg(target: string, tags: Record<string, string>): void;
    notice(target: string, message: string): void;
    action(target: string, message: string): void;
    changeNick(nick: string): void;
    setTopic(channel: string, topic: string): void;
    raw(...args: string[]): void;
    /** A CTCP request in a PRIVMSG; the answer is a 'ctcp response' event. */
    ctcpRequest(target: string, type: string, ...params: string[]): void;
    quit(message?: string): void;
  }
}
