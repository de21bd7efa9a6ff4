// The parts of @xmpp/client 0.14 (xmpp.js ships no types) that the test helpers use.
// Its elements are ltx Elements (from ltx's CommonJS build, so `instanceof` against the
// ESM `ltx` Element class is false; compare structurally).
declare module '@xmpp/client' {
  import type { EventEmitter } from 'node:events';
  import type { Attrs, Element, Node } from 'ltx';

  export interface JID {
    local: string;
    domain: string;
    resource: string;
    bare(): JID;
    toString(): string;
  }

  export interface Credentials {
    username?: string;
    password?: string;
  }

  /** Called by the SASL layers with the mechanisms both sides support, best first. */
  export type Authenticate = (credentials: Credentials, mechanism: string) => Promise<void>;
  export type CredentialsHandler = (authenticate: Authenticate, mechanisms: string[]) => Promise<void>;

  export interface ClientOptions {
    /** e.g. 'xmpp://127.0.0.1:5222' (plain TCP) */
    service: string;
    domain?: string;
    resource?: string;
    username?: string;
    password?: string;
    credentials?: Credentials | CredentialsHandler;
    /** Stream open/close timeout in ms (default 2000). */
    timeout?: number;
  }

  export interface Reconnect {
    delay: number;
    start(): void;
    stop(): void;
  }

  /** @xmpp/iq's callee: answers iq gets addressed to this client. */
  export interface IqCallee {
    get(xmlns: string, name: string, handler: (ctx: { stanza: Element }) => Element | Promise<Element>): void;
  }

  export interface Client extends EventEmitter {
    iqCallee: IqCallee;
    jid: JID | null;
    status: string;
    reconnect: Reconnect;
    start(): Promise<JID>;
    stop(): Promise<Element | undefined>;
    send(element: Element): Promise<void>;
    /** Write raw text on the stream (character references such as `&#13;` that ltx would not produce). */
    write(text: string): Promise<void>;
  }

  export function client(options: ClientOptions): Client;
  export function jid(local: string, domain?: string, resource?: string): JID;
  export function xml(
    name: string,
    attrs?: Attrs | null,
    ...children: Array<Node | Node[] | null | undefined | false>
  ): Element;
}
