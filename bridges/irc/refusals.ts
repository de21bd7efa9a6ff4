/**
 * A refusal comes back on the stanza that asked (issue 10). IRC answers a PRIVMSG it refuses
 * with a numeric (404 ERR_CANNOTSENDTOCHAN in +m without voice or +n from outside, 477, 489, …;
 * RFC 2812 §5.2) and accepts one silently. Without IRCv3 echo-message the only way to know that
 * a line was accepted is that the server answered a later command: servers handle a client's
 * lines in order, so a refusal of the PRIVMSG comes before the PONG of a PING written after it.
 *
 * Decision: the XEP-0045 §7.4 reflection of a groupchat is held until that PING round trip (or
 * the echo, when the server has echo-message): a refused message is never shown as sent to the
 * room; the sender gets an error stanza with the message's id instead. The outbox is not held
 * (it goes on with the next message once the line is written), and one PING covers every line
 * written before it, so there is at most one PING in flight per connection: throughput is
 * unchanged, the reflection waits one round trip more (on loopback ngircd ~1 ms).
 *
 * Which message a 404 is about: the numeric names the channel only, so it is charged to the
 * oldest message to that channel still waiting. Exact when one message per channel is in flight;
 * with several in flight and only some refused, the wrong one of them may be marked failed.
 */
import { randomBytes } from 'node:crypto';
import type { ErrorCondition } from '../../src/core/model.js';
import type { IrcEvent } from './client/events.js';
import { SEND_REFUSALS } from './refusal-conditions.js';
import type { SessionPort } from './session-port.js';

export interface Refusal {
  condition: ErrorCondition;
  text: string;
}

interface Held {
  channel: string;
  /** The PING whose PONG confirms this line. */
  barrier: number;
  settle(refusal: Refusal | undefined): void;
}

/** How long a reflection waits for the PONG before it is shown anyway (the server said nothing). */
const PONG_TIMEOUT_MS = 10_000;

/** A session's reflections held for the server's verdict (created with the session, session-requests.ts). */
export class ReflectionGate {
  private readonly held: Held[] = [];
  private sent = 0;
  private inFlight: { seq: number; token: string; timer: NodeJS.Timeout } | undefined;

  constructor(private readonly s: SessionPort) {}

  /** Wait until the server had its chance to refuse the lines just written to `channel`: the refusal, or undefined. */
  hold(channel: string): Promise<Refusal | undefined> {
    return new Promise((resolve) => {
      // A PING already written may have left before this line: wait for the next one.
      const barrier = this.inFlight ? this.inFlight.seq + 1 : this.sent + 1;
      this.held.push({ channel: this.s.fold(channel), barrier, settle: resolve });
      if (!this.inFlight) this.ping();
    });
  }

  private ping(): void {
    const seq = ++this.sent;
    const token = `sb-${seq}-${randomBytes(3).toString('hex')}`;
    const timer = setTimeout(() => this.confirm(seq), PONG_TIMEOUT_MS);
    timer.unref();
    this.inFlight = { seq, token, timer };
    this.s.sendLine('PING', [token]).catch(() => this.confirm(seq));
  }

  private confirm(seq: number): void {
    if (this.inFlight?.seq !== seq) return;
    clearTimeout(this.inFlight.timer);
    this.inFlight = undefined;
    for (let i = 0; i < this.held.length;) {
      const h = this.held[i]!;
      if (h.barrier <= seq) {
        this.held.splice(i, 1);
        h.settle(undefined);
      } else i++;
    }
    if (this.held.length > 0) this.ping();
  }

  /** An event from the server (offered before it is shown as a server notice): true when it was a PONG or a refusal this gate consumed. */
  onEvent(ev: IrcEvent): boolean {
    if (ev.type === 'pong') {
      if (!this.inFlight || ev.token !== this.inFlight.token) return false;
      this.confirm(this.inFlight.seq);
      return true;
    }
    const condition = ev.type === 'refused' ? SEND_REFUSALS[ev.reason] : undefined;
    if (ev.type !== 'refused' || !condition) return false;
    const channel = this.s.fold(ev.target);
    const i = this.held.findIndex((h) => h.channel === channel);
    if (i < 0) return false;
    const [h] = this.held.splice(i, 1);
    h!.settle({ condition, text: ev.text || 'Refused by the IRC server.' });
    return true;
  }
}
