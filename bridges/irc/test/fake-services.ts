/**
 * IRC services on the fake IRC server (test/helpers/fake-irc-server.ts): SASL PLAIN
 * (https://ircv3.net/specs/extensions/sasl-3.1) and a scripted NickServ (REGAIN, GHOST).
 *
 * Why a fake: no Debian IRC server ships services. ngircd and InspIRCd have no NickServ, and
 * InspIRCd's m_sasl only relays to a services package (Atheme, Anope) that Debian does not ship
 * for InspIRCd 3, so SASL and NickServ are played here, on the wire as services do.
 */
import type { FakeIrcClient } from '../../../test/helpers/fake-irc-server.js';

const SERVER = 'fake.irc';

export interface FakeServices {
  /** Decoded SASL PLAIN payloads (authzid NUL authcid NUL password), in order. */
  saslPayloads: string[];
  /** NickServ commands received (`REGAIN nick`, `GHOST nick`), in order. */
  nickserv: string[];
  /** Answer the NickServ commands held back ('hold'), granting them. */
  release(): void;
  /** The `onLine` of startFakeIrcServer. */
  onLine(client: FakeIrcClient, line: string): boolean;
}

export interface FakeServicesOptions {
  /** Whether a SASL PLAIN password logs in (default: every one). */
  accepts?: (password: string) => boolean;
  /**
   * NickServ's answer to `REGAIN nick` / `GHOST nick`: the nick is freed (for GHOST; for REGAIN
   * the client is renamed to it as well), refused with a NOTICE, or held until `release()` (so a
   * test can let the join complete first).
   */
  nickserv?: (command: 'REGAIN' | 'GHOST', nick: string, client: FakeIrcClient) => 'grant' | 'refuse' | 'hold';
}

export function fakeServices(opts: FakeServicesOptions = {}): FakeServices {
  const saslPayloads: string[] = [];
  const nickserv: string[] = [];
  const held: Array<() => void> = [];
  const grant = (client: FakeIrcClient, command: 'REGAIN' | 'GHOST', nick: string) => {
    const n = client.nick;
    if (command === 'GHOST') {
      client.line(`:NickServ!NickServ@services. NOTICE ${n} :\x02${nick}\x02 has been ghosted.`);
      return;
    }
    // Atheme's REGAIN: the holder is killed and the client renamed by the server.
    client.line(`:NickServ!NickServ@services. NOTICE ${n} :\x02${nick}\x02 has been regained.`);
    client.line(`:${n}!u@fake.host NICK :${nick}`);
    client.nick = nick;
  };
  return {
    saslPayloads,
    nickserv,
    release: () => held.splice(0).forEach((answer) => answer()),
    onLine(client, line) {
      const n = client.nick || '*';
      if (line === 'AUTHENTICATE PLAIN') {
        client.line('AUTHENTICATE +');
        return true;
      }
      if (line.startsWith('AUTHENTICATE ')) {
        const payload = Buffer.from(line.slice('AUTHENTICATE '.length), 'base64').toString('utf8');
        saslPayloads.push(payload);
        const [, account = '', password = ''] = payload.split('\0');
        if (opts.accepts && !opts.accepts(password)) client.line(`:${SERVER} 904 ${n} :SASL authentication failed`);
        else {
          client.line(`:${SERVER} 900 ${n} ${n}!u@fake.host ${account} :You are now logged in as ${account}`);
          client.line(`:${SERVER} 903 ${n} :SASL authentication successful`);
        }
        return true;
      }
      const ns = /^PRIVMSG NickServ :(REGAIN|GHOST) (\S+)/i.exec(line);
      if (ns && opts.nickserv) {
        const command = ns[1]!.toUpperCase() as 'REGAIN' | 'GHOST';
        const nick = ns[2]!;
        nickserv.push(`${command} ${nick}`);
        const answer = opts.nickserv(command, nick, client);
        if (answer === 'refuse') client.line(`:NickServ!NickServ@services. NOTICE ${n} :You may not ${command.toLowerCase()} \x02${nick}\x02.`);
        else if (answer === 'hold') held.push(() => grant(client, command, nick));
        else grant(client, command, nick);
        return true;
      }
      return false;
    },
  };
}
