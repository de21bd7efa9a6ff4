/**
 * muc#admin bans (XEP-0045 §9.1: affiliation `outcast`) as IRC channel bans (RFC 2811 §4.3.1,
 * `MODE #chan +b mask`), followed by a KICK when the banned nick is in the channel (a kickban:
 * XEP-0045 removes a banned occupant from the room).
 *
 * The mask: `*!user@host` when the server verified the user's ident (no `~`: RFC 1413 answered,
 * which tells users behind one host apart, e.g. the users of an IRC gateway), else `nick!*@*`.
 * `*!*@host` alone would ban every user sharing that host, this gateway's own users included.
 */
import type { AffiliationEntry } from '../../src/core/bridge.js';
import { StanzaError } from '../../src/core/errors.js';
import type { Affiliation } from '../../src/core/model.js';
import { escapeLocal, parseJid, unescapeLocal } from '../../src/xmpp/jid.js';
import { moderationRefused } from './refusal-conditions.js';
import type { Member } from './member.js';
import type { Room } from './room.js';
import type { SessionPort } from './session-port.js';

const REPLY_TIMEOUT_MS = 10_000;

/** Ban masks kept per channel: a server listing or setting more cannot grow memory. */
const MAX_BANS = 500;

export function banMask(member: Member): string {
  if (member.user && member.host && !member.user.startsWith('~')) return `*!${member.user}@${member.host}`;
  return `${member.nick}!*@*`;
}

/** A +b or -b seen on the channel (MODE, or the 367 ban list): remembered folded, at most MAX_BANS. */
export function noteBan(room: Room, mask: string, adding: boolean, fold: (s: string) => string): void {
  if (!adding) {
    room.bans?.delete(fold(mask));
    return;
  }
  room.bans ??= new Set();
  if (room.bans.size < MAX_BANS) room.bans.add(fold(mask));
}

/** Whether a ban mask of the channel matches `member` (`*` any run, `?` one character, RFC 2812 §2.5). */
export function isBanned(room: Room, member: Member, fold: (s: string) => string): boolean {
  if (!room.bans?.size) return false;
  const who = fold(`${member.nick}!${member.user ?? '*'}@${member.host ?? '*'}`);
  for (const mask of room.bans) {
    const pattern = mask
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    if (new RegExp(`^${pattern}$`, 's').test(who)) return true;
  }
  return false;
}

/**
 * The IRC mask a JID of a ban stands for: a mask listed as `<escaped mask>@<domain>` (banList), or
 * an IRC nick's JID (`nick%network@domain`, or `nick@domain` on a fixed network): `nick!*@*`.
 */
export function maskOfJid(jid: string, domain: string): string {
  const parsed = parseJid(jid);
  if (!parsed?.local || parsed.domain.toLowerCase() !== domain.toLowerCase()) {
    throw new StanzaError('not-acceptable', 'Only IRC users (nick%network) and IRC ban masks can be banned in an IRC channel.');
  }
  const local = unescapeLocal(parsed.local);
  if (local.includes('!')) return local;
  const at = local.lastIndexOf('%');
  return `${at > 0 ? local.slice(0, at) : local}!*@*`;
}

/** A session's ban requests to the server, each waiting for its answer. */
export class ChannelBans {
  constructor(private readonly s: SessionPort) {}

  /** Ban `member` from `channel`, then KICK it; a refusal (not an operator …) is thrown as the moderation's error. */
  async kickban(channel: string, member: Member, reason: string | undefined): Promise<void> {
    const mask = banMask(member);
    const banned = this.s.awaitEvent(
      (e) => (e.type === 'mode' && this.s.fold(e.target) === this.s.fold(channel) && e.args.includes(mask) ? true : moderationRefused(e)),
      REPLY_TIMEOUT_MS,
      () => new StanzaError('remote-server-timeout', 'No answer to the ban (MODE +b).'),
    );
    await this.s.sendLine('MODE', [channel, '+b', mask]);
    await banned;
    const kicked = this.s.awaitEvent(
      (e) => (e.type === 'kick' && this.s.fold(e.target) === this.s.fold(member.nick) ? true : moderationRefused(e)),
      REPLY_TIMEOUT_MS,
      () => new StanzaError('remote-server-timeout', 'No answer to the KICK.'),
    );
    await this.s.sendLine('KICK', reason ? [channel, member.nick, reason] : [channel, member.nick]);
    await kicked;
  }

  /** XEP-0045 §9.1 / §9.2 by JID: outcast sets +b on its mask, none lifts it; other affiliations need the occupant's nick. */
  async setByJid(channel: string, jid: string, affiliation: Affiliation | undefined): Promise<void> {
    if (affiliation !== 'outcast' && affiliation !== 'none')
      throw new StanzaError('feature-not-implemented', 'On IRC only bans (outcast) and unbans (none) can be set by JID; give the nick of an occupant.');
    const mask = maskOfJid(jid, this.s.ctx.domain);
    const done = this.s.awaitEvent(
      (e) => (e.type === 'mode' && this.s.fold(e.target) === this.s.fold(channel) && e.args.includes(mask) ? true : moderationRefused(e)),
      REPLY_TIMEOUT_MS,
      () => new StanzaError('remote-server-timeout', 'No answer to the ban change (MODE).'),
    );
    await this.s.sendLine('MODE', [channel, affiliation === 'outcast' ? '+b' : '-b', mask]);
    await done;
  }

  /** XEP-0045 §9.5: the channel's ban list (RPL_BANLIST 367 … RPL_ENDOFBANLIST 368, RFC 2812 §3.2.3), each mask as a JID on the domain. */
  async list(room: Room): Promise<AffiliationEntry[]> {
    const masks: string[] = [];
    const done = this.s.awaitEvent(
      (e) => {
        if (e.type === 'banList' && this.s.fold(e.channel) === this.s.fold(room.channel) && masks.length < MAX_BANS) masks.push(e.mask);
        if (e.type === 'banListEnd' && this.s.fold(e.channel) === this.s.fold(room.channel)) return true;
        // 482 (not an operator) or 442 (not on the channel) for this channel: XEP-0045 §9.5 forbidden.
        const refused =
          e.type === 'refused' && (e.reason === 'not-operator' || e.reason === 'not-on-channel') && this.s.fold(e.target) === this.s.fold(room.channel);
        return refused ? new StanzaError('forbidden', e.text || 'The IRC server refused the ban list.') : undefined;
      },
      REPLY_TIMEOUT_MS,
      () => new StanzaError('remote-server-timeout', 'No answer to the ban list (MODE b).'),
    );
    await this.s.sendLine('MODE', [room.channel, 'b']);
    await done;
    room.bans = new Set();
    for (const mask of masks) noteBan(room, mask, true, (x) => this.s.fold(x));
    return masks.map((mask) => ({ jid: `${escapeLocal(mask)}@${this.s.ctx.domain}`, affiliation: 'outcast' as const }));
  }
}
