/**
 * The admin ad-hoc commands every bridge domain offers (XEP-0050; admins only): who uses the
 * bridge, its status, dead letters (retry or discard), and a config reload.
 */
import type { AdhocCommand } from './adhoc-model.js';
import { StanzaError } from './errors.js';
import type { Store } from './store.js';

export interface AdminDeps {
  bridgeId: string;
  store: Store;
  status(): { online: boolean; onlineSince?: number; reconnects: number; canDeliver: boolean; reason?: string };
  reload(): Promise<string>;
  /** Retry a dead letter created by the bridge itself (ctx.deadLetter). */
  retryBridgeDeadLetter?(payload: unknown): Promise<void>;
  /** Items were made pending again: the outbox lanes must look for them now. */
  onRevived?(): void;
  now(): number;
}

const onDomain = (localpart: string) => localpart === '';

function age(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

interface Summarised {
  kind?: string;
  to?: string;
  from?: string;
}

function summary(payload: string): string {
  try {
    const parsed = JSON.parse(payload) as { event?: Summarised; undeliverable?: unknown; inboundDead?: { event?: Summarised } } & Summarised;
    if ('undeliverable' in parsed) return 'network message no user could take';
    if (parsed.inboundDead) return `report to the network of an undelivered ${parsed.inboundDead.event?.kind ?? 'item'} from ${parsed.inboundDead.event?.from ?? '?'}`;
    const e: Summarised = parsed.event ?? parsed;
    return `${e.kind ?? 'item'}${e.to ? ` to ${e.to}` : ''}${e.from ? ` from ${e.from}` : ''}`;
  } catch {
    return 'item';
  }
}

export function adminCommands(deps: AdminDeps): AdhocCommand[] {
  const { store, bridgeId } = deps;
  return [
    {
      node: 'users',
      name: 'Who is using this bridge',
      admin: true,
      appliesTo: onDomain,
      async run() {
        const users = store.users.list(bridgeId);
        const now = deps.now();
        const lines = users.map((u) => `${u.user} (last seen ${age(now - u.lastSeen)} ago)`);
        return { status: 'completed', note: { type: 'info', text: users.length ? `${users.length} user(s):\n${lines.join('\n')}` : 'Nobody has used this bridge yet.' } };
      },
    },
    {
      node: 'status',
      name: 'Bridge status',
      admin: true,
      appliesTo: onDomain,
      async run() {
        const s = deps.status();
        const o = store.outbox.stats(bridgeId);
        const now = deps.now();
        const text = [
          s.online && s.onlineSince ? `Online since ${new Date(s.onlineSince).toISOString()} (${age(now - s.onlineSince)}).` : 'Offline (reconnecting).',
          `Reconnects: ${s.reconnects}.`,
          s.canDeliver ? 'The network can be reached.' : `The network cannot be reached: ${s.reason ?? 'unknown reason'}.`,
          `Outbox: ${o.pending} pending${o.oldestPendingAt !== undefined ? `, oldest ${age(now - o.oldestPendingAt)} old` : ''}.`,
          `Dead letters: ${o.dead}.`,
        ].join('\n');
        return { status: 'completed', note: { type: 'info', text } };
      },
    },
    {
      node: 'dead-letters',
      name: 'Retry or discard dead letters',
      admin: true,
      appliesTo: onDomain,
      async run(req) {
        if (!req.values) {
          const rows = store.outbox.deadLetters(bridgeId, 100);
          if (!rows.length) return { status: 'completed', note: { type: 'info', text: 'There are no dead letters.' } };
          return {
            status: 'executing',
            form: {
              title: 'Dead letters',
              instructions: 'Choose items and what to do with them.',
              fields: [
                {
                  var: 'items',
                  type: 'list-multi',
                  label: 'Items',
                  required: true,
                  options: rows.map((r) => ({
                    value: String(r.id),
                    label: `#${r.id} ${r.user || '(no user)'}: ${summary(r.payload)} — ${r.lastError ?? ''}`.slice(0, 200),
                  })),
                },
                {
                  var: 'action',
                  type: 'list-single',
                  label: 'Action',
                  required: true,
                  values: ['retry'],
                  options: [{ value: 'retry', label: 'Retry' }, { value: 'discard', label: 'Discard' }],
                },
              ],
            },
          };
        }
        const ids = (req.values.items ?? []).map(Number).filter(Number.isInteger);
        const action = req.values.action?.[0];
        if (!ids.length || (action !== 'retry' && action !== 'discard')) {
          throw new StanzaError('bad-request', 'Choose at least one item and an action (retry or discard).');
        }
        let done = 0;
        const failures: string[] = [];
        for (const id of ids) {
          const row = store.outbox.get(id);
          if (!row || row.bridge !== bridgeId || row.state !== 'dead') continue;
          if (action === 'discard') {
            if (store.outbox.discard(id)) done++;
          } else if (row.user === '') {
            // A network message no user could take: the bridge routes it again.
            try {
              if (!deps.retryBridgeDeadLetter) throw new Error('this bridge cannot retry it');
              await deps.retryBridgeDeadLetter((JSON.parse(row.payload) as { undeliverable: unknown }).undeliverable);
              store.outbox.discard(id);
              done++;
            } catch (err) {
              failures.push(`#${id}: ${(err as Error).message}`);
            }
          } else if (store.outbox.revive(id, deps.now())) done++;
        }
        if (action === 'retry' && done) deps.onRevived?.();
        const verb = action === 'retry' ? 'queued again' : 'discarded';
        const text = `${done} item(s) ${verb}.${failures.length ? `\nNot retried:\n${failures.join('\n')}` : ''}`;
        return { status: 'completed', note: { type: failures.length ? 'warn' : 'info', text } };
      },
    },
    {
      node: 'reload',
      name: 'Reload the configuration',
      admin: true,
      appliesTo: onDomain,
      async run() {
        const text = await deps.reload();
        return { status: 'completed', note: { type: 'info', text } };
      },
    },
  ];
}
