/**
 * The IRC servers Debian ships, as rows of the server matrix (server-matrix.test.ts) and of the
 * identd tests: how to start each, and where it differs in a way a scenario must know.
 */
import type { TestIrcd } from '../../../test/helpers/ircd-debian-tree.js';
import { startHybrid } from '../../../test/helpers/irc-hybrid.js';
import { startInspircd } from '../../../test/helpers/irc-inspircd.js';
import { startIrc2 } from '../../../test/helpers/irc-irc2.js';
import { startIrcu } from '../../../test/helpers/irc-ircu.js';
import { startNgircd } from '../../../test/helpers/irc-ngircd.js';

export interface MatrixServer {
  kind: string;
  start(opts: { ident?: boolean }): Promise<TestIrcd>;
  /**
   * The channel prefix whose creator the server makes channel operator. irc2 stays in split mode
   * on its own (fewer than its SPLIT_SERVERS minimum of 10 links) and then ops nobody who
   * creates a `#` channel; it still ops the creator of a `&` (server-local) channel.
   */
  opPrefix: '#' | '&';
  /**
   * ircd-hybrid drops the reason of a PART or QUIT from a client connected for no longer than
   * anti_spam_exit_message_time (it compares strictly, so even at 0 within the first second).
   */
  exitReasonAfterMs?: number;
  /** What registration must have learnt: CAPs acknowledged (none where the server has no CAP), 005. */
  registration: { caps: string[]; caseMapping: 'ascii' | 'rfc1459'; nickLen: number };
  /**
   * A NICK longer than NICKLEN at registration: ngircd and InspIRCd refuse it (432 Erroneous
   * nickname), the others cut it to NICKLEN and register with the shorter nick.
   */
  longNick: 'refused' | 'cut';
}

export const MATRIX: MatrixServer[] = [
  {
    kind: 'ngircd',
    opPrefix: '#',
    registration: { caps: ['multi-prefix'], caseMapping: 'ascii', nickLen: 30 },
    longNick: 'refused',
    start: async (o) => ({ kind: 'ngircd', ...(await startNgircd({ ident: o.ident ?? false })) }),
  },
  // Without m_cap loaded (the matrix loads no optional module), InspIRCd 3 has no CAP.
  {
    kind: 'InspIRCd 3',
    opPrefix: '#',
    registration: { caps: [], caseMapping: 'rfc1459', nickLen: 30 },
    longNick: 'refused',
    start: async (o) => ({ kind: 'InspIRCd 3', ...(await startInspircd({ ident: o.ident ?? false })) }),
  },
  {
    kind: 'ircd-hybrid',
    opPrefix: '#',
    exitReasonAfterMs: 1100,
    registration: {
      caps: ['account-notify', 'away-notify', 'chghost', 'extended-join', 'multi-prefix', 'userhost-in-names'],
      caseMapping: 'ascii',
      nickLen: 30,
    },
    longNick: 'cut',
    start: (o) => startHybrid(o),
  },
  // irc2 has no CAP command at all (421), and sends 020 ("please wait") before 001.
  { kind: 'ircd-irc2', opPrefix: '&', registration: { caps: [], caseMapping: 'ascii', nickLen: 15 }, longNick: 'cut', start: (o) => startIrc2(o) },
  // ircu: no CAP (421), a PING cookie to answer before 001, and it looks every client's ident up
  // (no option turns that off).
  { kind: 'ircd-ircu', opPrefix: '#', registration: { caps: [], caseMapping: 'rfc1459', nickLen: 12 }, longNick: 'cut', start: () => startIrcu() },
];
