/**
 * iq gets the gateway sends to users' clients on behalf of a contact (XEP-0092 version, XEP-0199
 * ping), and the matching of their answers: RFC 6120 §8.2.3, a result or error with the same id
 * from the JID the request went to.
 */
import { randomBytes } from 'node:crypto';
import { Element } from 'ltx';
import type { UserQuery, UserQueryAnswer } from '../core/bridge.js';
import { StanzaError } from '../core/errors.js';
import type { ErrorCondition } from '../core/model.js';
import { readError } from './errors.js';
import { NS } from './ns.js';

const CONDITIONS: ReadonlySet<string> = new Set<ErrorCondition>([
  'bad-request', 'conflict', 'feature-not-implemented', 'forbidden', 'gone', 'internal-server-error', 'item-not-found',
  'jid-malformed', 'not-acceptable', 'not-allowed', 'not-authorized', 'policy-violation', 'recipient-unavailable', 'redirect',
  'registration-required', 'remote-server-not-found', 'remote-server-timeout', 'resource-constraint', 'service-unavailable',
  'subscription-required', 'undefined-condition', 'unexpected-request',
]);

const DEFAULT_TIMEOUT_MS = 10_000;

interface Pending {
  to: string;
  query: UserQuery['query'];
  resolve(answer: UserQueryAnswer): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export class IqClient {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly domain: string,
    private readonly send: (el: Element) => Promise<void>,
  ) {}

  query(q: UserQuery): Promise<UserQueryAnswer> {
    const id = `sb-${randomBytes(8).toString('hex')}`;
    const to = `${q.user}/${q.resource}`;
    const from = `${q.from ? `${q.from}@` : ''}${this.domain}${q.fromResource ? `/${q.fromResource}` : ''}`;
    const payload = q.query === 'version' ? new Element('query', { xmlns: NS.version }) : new Element('ping', { xmlns: NS.ping });
    const iq = new Element('iq', { type: 'get', id, from, to }).cnode(payload).root();
    const timeoutMs = q.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise<UserQueryAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new StanzaError('remote-server-timeout', `${to} did not answer within ${Math.round(timeoutMs / 1000)} s.`));
      }, timeoutMs);
      timer.unref();
      this.pending.set(id, { to, query: q.query, resolve, reject, timer });
      this.send(iq).catch((err: unknown) => {
        this.settle(id);
        reject(new StanzaError('recipient-unavailable', `Could not ask ${to}: ${err instanceof Error ? err.message : String(err)}`));
      });
    });
  }

  /**
   * An iq result or error: true when it answered one of our queries (it is then consumed). An
   * answer from another JID than the one asked is not ours (no spoofing a client's answer).
   */
  onResponse(el: Element): boolean {
    const type = el.attrs.type;
    if (el.name !== 'iq' || (type !== 'result' && type !== 'error')) return false;
    const p = this.pending.get(String(el.attrs.id ?? ''));
    if (!p || String(el.attrs.from ?? '').toLowerCase() !== p.to.toLowerCase()) return false;
    this.settle(String(el.attrs.id));
    if (type === 'error') {
      const error = readError(el);
      // A condition outside RFC 6120 §8.3.3 is reported as undefined-condition.
      const condition = CONDITIONS.has(error?.condition ?? '') ? (error!.condition as ErrorCondition) : 'undefined-condition';
      p.reject(new StanzaError(condition, error?.text ?? `${p.to} refused the query (${error?.condition ?? 'no condition'}).`));
      return true;
    }
    const q = el.getChild('query', NS.version);
    p.resolve(p.query === 'version' && q ? pick({ name: q.getChildText('name'), version: q.getChildText('version'), os: q.getChildText('os') }) : {});
    return true;
  }

  /** Reject every open query (the component stopped). */
  rejectAll(reason: string): void {
    for (const [id, p] of this.pending) {
      this.settle(id);
      p.reject(new StanzaError('recipient-unavailable', reason));
    }
  }

  private settle(id: string): void {
    const p = this.pending.get(id);
    if (p) clearTimeout(p.timer);
    this.pending.delete(id);
  }
}

function pick(v: { name: string | null; version: string | null; os: string | null }): UserQueryAnswer {
  return { ...(v.name ? { name: v.name } : {}), ...(v.version ? { version: v.version } : {}), ...(v.os ? { os: v.os } : {}) };
}
