/**
 * XMPP presence → IRC AWAY (RFC 2812 §4.1): away, xa and dnd set AWAY with the status text (or the
 * show in words); available and chat clear it. '' means "not away" (`AWAY` without a parameter).
 */
import type { UserPresence } from '../../src/core/bridge.js';

const SHOW_TEXT = { away: 'Away', xa: 'Extended away', dnd: 'Do not disturb' } as const;

export function awayLine(p: UserPresence): string {
  if (!p.available || p.show === undefined || p.show === 'chat') return '';
  const text = (p.status ?? '').replace(/[\r\n\0]+/g, ' ').trim();
  return text || SHOW_TEXT[p.show];
}
