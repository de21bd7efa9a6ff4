/**
 * The nick-collision policy at registration (config `nick_collision`). With `conflict` (biboumi's)
 * a nick in use ends the attempt; with `alternative` it is retried as `nick_`, then `nick_2`,
 * `nick_3`…, at most MAX_NICK_TRIES times, cut to fit the server's NICKLEN (RPL_ISUPPORT) or,
 * while the server has not said (005 comes after 001), RFC 1459's 9 (RFC 1459 §1.2).
 */
import type { IrcLine } from './line.js';

export type NickCollision = 'conflict' | 'alternative';

export const MAX_NICK_TRIES = 5;
export const RFC1459_NICKLEN = 9;

/**
 * ERR_NICKNAMEINUSE, ERR_NICKCOLLISION and ERR_UNAVAILRESOURCE (RFC 2812 §5.2): 437 is a nick held
 * for a while (nick delay after a split, a services enforcer); before registration it can only
 * be about our NICK.
 */
const TAKEN = new Set(['433', '436', '437']);

/** The `attempt`-th alternative of `base` (1: `base_`, n: `base_n`), at most `maxLen` characters. */
export function alternativeNick(base: string, attempt: number, maxLen: number): string {
  const suffix = attempt === 1 ? '_' : `_${attempt}`;
  return [...base].slice(0, Math.max(1, maxLen - suffix.length)).join('') + suffix;
}

export class NickAlternatives {
  private tries = 0;

  constructor(
    private readonly base: string,
    private readonly policy: NickCollision,
  ) {}

  /** The nick to send next for a line refusing ours before registration; undefined: the refusal stands. */
  next(line: IrcLine, registered: boolean, nickLen: number | undefined): string | undefined {
    if (registered || this.policy !== 'alternative' || !TAKEN.has(line.command)) return undefined;
    if (this.tries >= MAX_NICK_TRIES) return undefined;
    this.tries++;
    return alternativeNick(this.base, this.tries, nickLen ?? RFC1459_NICKLEN);
  }
}
