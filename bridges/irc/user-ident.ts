/**
 * What IRC sees of a user besides the nick: the ident answered by the built-in identd (RFC 1413)
 * and the host and address sent in WEBIRC (https://ircv3.net/specs/extensions/webirc). Both are
 * derived from the bare JID alone, so they stay the same across reconnects and restarts, and two
 * users never share one (bans like `*!ident@*` or `*!*@host` hit one user, not the gateway).
 */
import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

/** Characters an ident may hold on every server we know (RFC 1413 allows more; ircds do not). */
const IDENT_CHARS = /[^A-Za-z0-9_-]/g;
/** InspIRCd's default `<limits maxident>`; ngircd takes longer ones but cuts them at the same place on other networks. */
export const IDENT_MAX = 10;

/**
 * biboumi's choice: the ident is the hex SHA-1 of the bare JID. biboumi sends all 40 characters
 * and servers cut it at their ident length; the first ten are what a user of biboumi showed on a
 * network with InspIRCd's default limit, so a ban set on a user who came from biboumi still fits.
 */
export function jidHash(bareJid: string): string {
  return createHash('sha1').update(bareJid, 'utf8').digest('hex').slice(0, IDENT_MAX);
}

/**
 * The ident of a user from the configured template: `{hash}` (jidHash) and `{local}` (the JID's
 * local part, reduced to letters, digits, `_` and `-`). Empty after reduction: the hash.
 */
export function userIdent(bareJid: string, template: string): string {
  const at = bareJid.indexOf('@');
  const local = at > 0 ? bareJid.slice(0, at) : bareJid;
  const ident = template.replaceAll('{hash}', jidHash(bareJid)).replaceAll('{local}', local).replace(IDENT_CHARS, '').slice(0, IDENT_MAX);
  return ident === '' ? jidHash(bareJid) : ident;
}

export interface CloakConfig {
  /** Host name template; `{hash}` is jidHash of the bare JID. Absent: the address is the host. */
  hostname?: string | undefined;
  /** IPv6 (or IPv4) prefix in CIDR notation; the host bits come from the JID's SHA-256. */
  ip_prefix: string;
}

export interface Cloak {
  hostname: string;
  ip: string;
}

/** The WEBIRC host and address of a user. */
export function userCloak(bareJid: string, cfg: CloakConfig): Cloak {
  const ip = addressInPrefix(cfg.ip_prefix, createHash('sha256').update(bareJid, 'utf8').digest());
  const hostname = cfg.hostname === undefined ? ip : cfg.hostname.replaceAll('{hash}', jidHash(bareJid)).toLowerCase();
  return { hostname, ip };
}

/** A valid CIDR prefix (`2001:db8:5b::/64`, `10.42.0.0/16`)? */
export function isPrefix(cidr: string): boolean {
  const [addr, len] = cidr.split('/');
  if (addr === undefined || len === undefined || !/^\d{1,3}$/.test(len)) return false;
  const bits = Number(len);
  return (isIPv6(addr) && bits <= 128) || (isIPv4(addr) && bits <= 32);
}

/**
 * The address of `prefix` whose host bits are the first bits of `hash`. IPv6 is written without
 * `::` compression, so it never starts with a colon (the webirc spec asks for a leading `0`
 * otherwise: a parameter starting with `:` would be the trailing one).
 */
export function addressInPrefix(cidr: string, hash: Buffer): string {
  if (!isPrefix(cidr)) throw new Error(`not a CIDR prefix: ${cidr}`);
  const [addr, len] = cidr.split('/') as [string, string];
  const v6 = isIPv6(addr);
  const width = v6 ? 128 : 32;
  const prefixBits = Number(len);
  const base = v6 ? ipv6ToBigInt(addr) : ipv4ToBigInt(addr);
  const hostBits = BigInt(width - prefixBits);
  const hostMask = (1n << hostBits) - 1n;
  const fromHash = BigInt(`0x${hash.toString('hex')}`) & hostMask;
  const value = (base & ~hostMask & ((1n << BigInt(width)) - 1n)) | fromHash;
  return v6 ? bigIntToIpv6(value) : bigIntToIpv4(value);
}

function ipv4ToBigInt(addr: string): bigint {
  return addr.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function bigIntToIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

function ipv6ToBigInt(addr: string): bigint {
  // An embedded IPv4 tail (`::ffff:192.0.2.1`) is two groups.
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(addr);
  let text = addr;
  if (tail) {
    const v4 = ipv4ToBigInt(tail[1]!);
    text = `${addr.slice(0, tail.index)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups = rest === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function bigIntToIpv6(value: bigint): string {
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((value >> shift) & 0xffffn).toString(16));
  return groups.join(':');
}
