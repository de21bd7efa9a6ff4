/**
 * IRCv3 capability negotiation (CAP LS 302, https://ircv3.net/specs/extensions/capability-negotiation)
 * and SASL PLAIN/EXTERNAL (https://ircv3.net/specs/extensions/sasl-3.1) during registration.
 */
import type { IrcLine } from './line.js';

export interface SaslParams {
  mechanism: 'none' | 'plain' | 'external';
  username?: string;
  password?: string;
  cert_file?: string;
  key_file?: string;
}

/**
 * Capabilities we use when the server offers them. With echo-message a groupchat is reflected once
 * the server echoes it (echo.ts); labeled-response lets the echo be matched by label; batch lines
 * are handled one by one (irc-handlers.ts); message-tags carries client tags (replies, reactions,
 * typing: ircv3-commands.ts) and draft/message-redaction REDACT (retractions). draft/chathistory
 * fetches what a reconnect missed (../chathistory.ts); draft/multiline sends and reads a multi-line
 * body as one message (multiline.ts), within the limits its value gives.
 */
export const WANTED_CAPS = [
  'multi-prefix',
  'sasl',
  'server-time',
  'message-tags',
  'echo-message',
  'batch',
  'labeled-response',
  'away-notify',
  'account-notify',
  'extended-join',
  'chghost',
  'userhost-in-names',
  'draft/message-redaction',
  'draft/chathistory',
  'draft/multiline',
];

export class CapNegotiation {
  readonly caps = new Set<string>();
  /** Only the capabilities we want are kept: a server listing thousands costs nothing. */
  private readonly offered = new Map<string, string>();
  private lsLines = 0;

  constructor(
    private readonly sasl: SaslParams,
    private readonly nick: string,
    private readonly write: (command: string, params: readonly string[]) => void,
    private readonly maxLsLines = 32,
  ) {}

  /** The value the server gave an offered capability (`draft/multiline=max-bytes=4096`), '' for none. */
  valueOf(name: string): string | undefined {
    return this.offered.get(name);
  }

  onCap(line: IrcLine, registered: boolean): void {
    const sub = line.params[1]?.toUpperCase();
    const list = (line.params.at(-1) ?? '').split(' ').filter(Boolean);
    if (sub === 'LS') {
      this.lsLines++;
      if (this.lsLines > this.maxLsLines) return; // negotiation went on without the rest (below)
      for (const item of list) {
        const eq = item.indexOf('=');
        const name = eq === -1 ? item : item.slice(0, eq);
        if (WANTED_CAPS.includes(name)) this.offered.set(name, eq === -1 ? '' : item.slice(eq + 1).slice(0, 400));
      }
      // CAP LS 302 continuation; past the bound, request what was offered so far.
      if (line.params[2] === '*' && this.lsLines < this.maxLsLines) return;
      const mech = this.sasl.mechanism;
      const want = WANTED_CAPS.filter((c) => this.offered.has(c) && (c !== 'sasl' || mech !== 'none'));
      if (want.length === 0) this.write('CAP', ['END']);
      else this.write('CAP', ['REQ', want.join(' ')]);
    } else if (sub === 'ACK') {
      for (const c of list) this.caps.add(c.replace(/^-/, ''));
      if (this.caps.has('sasl') && this.sasl.mechanism !== 'none' && !registered) {
        this.write('AUTHENTICATE', [this.sasl.mechanism.toUpperCase()]);
      } else if (!registered) this.write('CAP', ['END']);
    } else if (sub === 'NAK' && !registered) this.write('CAP', ['END']);
  }

  /** The server's `AUTHENTICATE +`: send our credentials. */
  sendSaslPayload(): void {
    if (this.sasl.mechanism === 'external') {
      this.write('AUTHENTICATE', ['+']);
      return;
    }
    const user = this.sasl.username ?? this.nick;
    const payload = Buffer.from(`${user}\0${user}\0${this.sasl.password ?? ''}`, 'utf8').toString('base64');
    // SASL 3.1: 400-byte chunks; a final chunk of exactly 400 is followed by '+'.
    for (let i = 0; i < payload.length; i += 400) this.write('AUTHENTICATE', [payload.slice(i, i + 400)]);
    if (payload.length % 400 === 0) this.write('AUTHENTICATE', ['+']);
  }
}
