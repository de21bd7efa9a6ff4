/**
 * Channel membership modes ⇄ XEP-0045 affiliation/role, as biboumi maps them (doc/user.rst):
 * ~ (+q) owner/moderator, & (+a) admin/moderator, @ (+o) admin/moderator, % (+h) member/moderator,
 * + (+v) member/participant, nothing none/participant.
 */
import type { Affiliation, Role } from '../../src/core/model.js';
import type { Isupport } from './client/isupport.js';

const AFFILIATION_RANK: Record<Affiliation, number> = { outcast: -1, none: 0, member: 1, admin: 2, owner: 3 };
const ROLE_RANK: Record<Role, number> = { none: -1, visitor: 0, participant: 1, moderator: 2 };

const BY_PREFIX: Record<string, { affiliation: Affiliation; role: Role }> = {
  '~': { affiliation: 'owner', role: 'moderator' },
  '&': { affiliation: 'admin', role: 'moderator' },
  '@': { affiliation: 'admin', role: 'moderator' },
  '%': { affiliation: 'member', role: 'moderator' },
  '+': { affiliation: 'member', role: 'participant' },
};

/** Affiliation and role of a member holding these NAMES prefixes (all of them with multi-prefix). */
export function prefixesToMuc(prefixes: Iterable<string>): { affiliation: Affiliation; role: Role } {
  let affiliation: Affiliation = 'none';
  let role: Role = 'participant';
  for (const p of prefixes) {
    const m = BY_PREFIX[p];
    if (!m) continue;
    if (AFFILIATION_RANK[m.affiliation] > AFFILIATION_RANK[affiliation]) affiliation = m.affiliation;
    if (ROLE_RANK[m.role] > ROLE_RANK[role]) role = m.role;
  }
  return { affiliation, role };
}

export interface ModeChange {
  adding: boolean;
  mode: string;
  param?: string;
}

/** Parse `+ov-k nick1 nick2 key` with the server's CHANMODES/PREFIX (which letters take a parameter). */
export function parseModeChanges(isupport: Isupport, modes: string, args: readonly string[]): ModeChange[] {
  const out: ModeChange[] = [];
  let adding = true;
  let next = 0;
  for (const c of modes) {
    if (c === '+' || c === '-') {
      adding = c === '+';
      continue;
    }
    if (isupport.modeTakesParam(c, adding)) {
      const param = args[next++];
      out.push(param === undefined ? { adding, mode: c } : { adding, mode: c, param });
    } else out.push({ adding, mode: c });
  }
  return out;
}

/** `[{+v nick}, {-o nick}]` → `+v-o nick nick`, the form used in the "Mode #chan […] by x" notice. */
export function formatModeChanges(changes: readonly ModeChange[]): string {
  let letters = '';
  let sign = '';
  const params: string[] = [];
  for (const ch of changes) {
    const s = ch.adding ? '+' : '-';
    if (s !== sign) {
      letters += s;
      sign = s;
    }
    letters += ch.mode;
    if (ch.param !== undefined) params.push(ch.param);
  }
  return [letters, ...params].join(' ');
}

/**
 * The membership modes a muc#admin change asks for, given the member's current mode letters.
 * Returns the mode changes (possibly empty). Only modes the server offers in PREFIX are used.
 */
export function mucToModeChanges(
  isupport: Isupport,
  current: ReadonlySet<string>,
  nick: string,
  want: { affiliation?: Affiliation; role?: Role },
): ModeChange[] {
  const offered = new Set(isupport.prefixes.map((p) => p.mode));
  const pick = (...modes: string[]) => modes.find((m) => offered.has(m));
  const target = new Set<string>();
  const a = want.affiliation;
  if (a !== undefined) {
    const m = a === 'owner' ? pick('q', 'a', 'o') : a === 'admin' ? pick('o') : a === 'member' ? pick('v') : undefined;
    if (m) target.add(m);
  }
  if (want.role === 'moderator') {
    if (a === undefined || ![...target].some((m) => m !== 'v')) {
      const m = pick('h', 'o');
      if (m) target.add(m);
    }
  } else if (want.role === 'participant' && a === undefined) {
    const m = pick('v');
    if (m) target.add(m);
  }
  const managed = a !== undefined ? offered : new Set([...offered].filter((m) => m !== 'q' && m !== 'a'));
  const changes: ModeChange[] = [];
  for (const m of target) if (!current.has(m)) changes.push({ adding: true, mode: m, param: nick });
  for (const m of current) if (managed.has(m) && !target.has(m)) changes.push({ adding: false, mode: m, param: nick });
  return changes;
}
