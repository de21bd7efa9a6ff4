/**
 * Addressing on the IRC component domain (design.md §3), biboumi-compatible:
 * `#chan%network` is a channel (room), `nick%network` an IRC user, `network` the server itself.
 * `network` is a configured network name or one of its hostnames. Characters a JID local part
 * cannot hold use XEP-0106 escapes (`#true\2ffalse%net` is `#true/false`). In fixed-network mode
 * the `%network` part is dropped and `''` (the domain) is the server.
 */
import { StanzaError } from '../../src/core/errors.js';
import { escapeLocal, unescapeLocal } from '../../src/xmpp/jid.js';

export type IrcAddress =
  | { kind: 'gateway' }
  | { kind: 'service'; network: string }
  | { kind: 'room'; network: string; channel: string }
  | { kind: 'contact'; network: string; nick: string };

export interface AddressingOptions {
  /** The network every address refers to (fixed-network mode). */
  fixedNetwork?: string;
  /** CHANTYPES of a network as last seen (`#&` until a connection tells). */
  chanTypes(network: string): string;
}

// RFC 2812 §1.3: channel names hold no space, comma, BEL or NUL; we also refuse other controls.
const CHANNEL_BAD = /[\s,\x00-\x1f\x7f]/;
// RFC 2812 §2.3.1 nickname grammar, loosened as servers are: no space, no controls, none of ,!@*?
// and not starting with ':' `$` or a channel prefix (checked by the caller's CHANTYPES).
const NICK_BAD = /[\s,!@*?\x00-\x1f\x7f]/;

/** A bounded quote of what the user wrote, for error texts (a local part can be 1023 bytes). */
export function excerpt(text: string): string {
  const points = Array.from(text);
  return points.length > 60 ? `"${points.slice(0, 60).join('')}…"` : `"${text}"`;
}

export function isValidChannel(name: string): boolean {
  return name.length >= 2 && name.length <= 200 && !CHANNEL_BAD.test(name);
}

export function isValidNick(name: string): boolean {
  return name.length >= 1 && name.length <= 64 && !NICK_BAD.test(name) && !/^[:$]/.test(name);
}

/** Parse a local part of the domain. Throws `jid-malformed` for something that is no IRC address. */
export function parseLocalpart(localpart: string, opts: AddressingOptions): IrcAddress {
  let target: string;
  let network: string;
  if (opts.fixedNetwork !== undefined) {
    if (localpart === '') return { kind: 'service', network: opts.fixedNetwork };
    network = opts.fixedNetwork;
    target = unescapeLocal(localpart);
  } else {
    if (localpart === '') return { kind: 'gateway' };
    const raw = unescapeLocal(localpart);
    const pct = raw.lastIndexOf('%');
    if (pct === -1) {
      if (!/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(raw)) throw new StanzaError('jid-malformed', `${excerpt(raw)} is not an IRC network name.`);
      return { kind: 'service', network: raw };
    }
    target = raw.slice(0, pct);
    network = raw.slice(pct + 1);
    if (!/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(network)) throw new StanzaError('jid-malformed', `${excerpt(network)} is not an IRC network name: write #channel%network or nick%network.`);
  }
  if (target === '') throw new StanzaError('jid-malformed', `Nothing before %${network}: write #channel%${network} or nick%${network}.`);
  if (opts.chanTypes(network).includes(target[0]!)) {
    if (!isValidChannel(target)) throw new StanzaError('jid-malformed', `${excerpt(target)} is not a valid IRC channel name.`);
    return { kind: 'room', network, channel: target };
  }
  if (!isValidNick(target)) throw new StanzaError('jid-malformed', `${excerpt(target)} is not a valid IRC nick.`);
  return { kind: 'contact', network, nick: target };
}

/** The local part of a channel on a network (`network` as the user wrote it). */
export function roomLocalpart(network: string, channel: string, fixed: boolean): string {
  return fixed ? escapeLocal(channel) : `${escapeLocal(channel)}%${network}`;
}

/** The local part of an IRC user; lower-cased as nodeprep (RFC 7613) would, as biboumi does. */
export function contactLocalpart(network: string, nick: string, fixed: boolean): string {
  const local = escapeLocal(nick.toLowerCase());
  return fixed ? local : `${local}%${network}`;
}

/** The local part of the network (server) JID. */
export function serviceLocalpart(network: string, fixed: boolean): string {
  return fixed ? '' : network;
}
