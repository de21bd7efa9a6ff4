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
}

export const MATRIX: MatrixServer[] = [
  { kind: 'ngircd', opPrefix: '#', start: async (o) => ({ kind: 'ngircd', ...(await startNgircd({ ident: o.ident ?? false })) }) },
  { kind: 'InspIRCd 3', opPrefix: '#', start: async (o) => ({ kind: 'InspIRCd 3', ...(await startInspircd({ ident: o.ident ?? false })) }) },
  { kind: 'ircd-hybrid', opPrefix: '#', exitReasonAfterMs: 1100, start: (o) => startHybrid(o) },
  { kind: 'ircd-irc2', opPrefix: '&', start: (o) => startIrc2(o) },
  // ircu looks every client's ident up: there is no option to turn that off.
  { kind: 'ircd-ircu', opPrefix: '#', start: () => startIrcu() },
];
