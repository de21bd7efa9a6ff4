// The report of a dead inbound item (email: the DSN) is an outbox item of the bridge: queued with
// the dead letter, retried while the network is unreachable, once per inbound row. The bridge
// here is a stand-in whose inboundDead fails as a relay would; the SMTP path itself is tested
// through aiosmtpd and the fault proxy in test/integration/bounce.test.ts.
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bridge } from '../../src/core/bridge.js';
import { RetryableError, StanzaError } from '../../src/core/errors.js';
import { InboundDeadReports } from '../../src/core/inbound-dead.js';
import type { Inbound } from '../../src/core/model.js';
import { OutboxLane, type LaneHooks } from '../../src/core/outbox.js';
import { openSqliteStore } from '../../src/core/sqlite/store.js';
import type { OutboxRow, Store } from '../../src/core/store.js';
import { waitFor } from '../helpers/wait.js';

const log = pino({ level: 'silent' });
let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

const mail: Inbound = { kind: 'message', user: 'carol@x', from: 'dan\\40example.com', type: 'chat', body: 'hi', ref: '{"envelopeFrom":"dan@example.com","arrival":"now"}' };

function setup(
  inboundDead?: (event: Inbound, reason: string, options?: { signal?: AbortSignal }) => Promise<void>,
  attemptTimeoutMs?: number,
  ephemeral?: LaneHooks['ephemeral'],
) {
  const store: Store = openSqliteStore({ path: ':memory:', synchronous: 'normal' });
  const bridge = { ...(inboundDead ? { inboundDead } : {}) } as unknown as Bridge;
  const userHooks: string[] = [];
  const inner: LaneHooks = {
    handle: async (row) => void userHooks.push(`handle ${row.payload}`),
    onFailed: (row) => void userHooks.push(`failed ${row.id}`),
    onDead: (row) => void userHooks.push(`dead ${row.id}`),
    ...(ephemeral ? { ephemeral } : {}),
  };
  // The reports kick the lane that is made with them.
  const made: { lane?: OutboxLane } = {};
  const reports = new InboundDeadReports({ bridgeId: 'email', bridge, store, log, now: () => Date.now(), kick: (k) => made.lane?.kick(k) });
  const outcomes: string[] = [];
  const lane = new OutboxLane(
    store.outbox,
    { bridge: 'email', direction: 'out', concurrency: 2, retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 10 }, now: () => Date.now(), log, ...(attemptTimeoutMs ? { attemptTimeoutMs } : {}) },
    { ...reports.wrap(inner), onOutcome: (_r, o) => void outcomes.push(o) },
  );
  made.lane = lane;
  lane.resume();
  cleanup.push(() => lane.stop(), () => store.close());
  const deadRow = (): OutboxRow => {
    const { id } = store.outbox.enqueue({ direction: 'in', bridge: 'email', user: 'carol@x', okey: 'carol@x|dan', payload: JSON.stringify(mail) }, Date.now());
    store.outbox.markDead(id, 'bounced', Date.now());
    return store.outbox.get(id)!;
  };
  return { store, reports, deadRow, outcomes, userHooks, lane };
}

describe('reports of dead inbound items go through the outbox', () => {
  it('retries the report while the network is unreachable and sends it once it is back', async () => {
    const calls: Array<[Inbound, string]> = [];
    let failures = 2;
    const { reports, deadRow, outcomes, store } = setup(async (event, reason) => {
      calls.push([event, reason]);
      if (failures-- > 0) throw new RetryableError('the relay is unreachable');
    });
    const row = deadRow();
    reports.enqueue(row, 'bounced by the XMPP server: service-unavailable');
    await waitFor(() => outcomes.includes('done'), 'the report delivered');
    expect(outcomes).toEqual(['retry', 'retry', 'done']);
    expect(calls).toHaveLength(3);
    expect(calls[0]).toEqual([mail, 'bounced by the XMPP server: service-unavailable']);
    const [out] = store.outbox.list('email', { direction: 'out' }, 10);
    expect(out).toMatchObject({ state: 'done', user: 'carol@x', attempts: 3 });
    expect(store.outbox.get(row.id)?.state).toBe('dead');
  });

  it('a report is never ephemeral: the user items\' ephemeral check (which reads their payload) is not asked, and the report is retried', async () => {
    let failures = 1;
    // As the out lane's check reads an OutPayload's event, which a report row does not have.
    const userItemsCheck = (row: OutboxRow) => (JSON.parse(row.payload) as { event: { kind: string } }).event.kind === 'chatstate';
    const { reports, deadRow, outcomes } = setup(
      async () => {
        if (failures-- > 0) throw new RetryableError('the relay is unreachable');
      },
      undefined,
      userItemsCheck,
    );
    reports.enqueue(deadRow(), 'bounced');
    await waitFor(() => outcomes.includes('done'), 'the report delivered after its retry');
    expect(outcomes).toEqual(['retry', 'done']);
  });

  it('a report that hangs is aborted at the attempt deadline and retried', async () => {
    let calls = 0;
    const aborted: boolean[] = [];
    const { reports, deadRow, outcomes } = setup(async (_e, _r, options) => {
      if (++calls > 1) return;
      // A relay that accepted the connection and went silent: only the deadline ends it.
      await new Promise<void>((resolve) => options?.signal?.addEventListener('abort', () => resolve(), { once: true }));
      aborted.push(options?.signal?.aborted === true);
    }, 50);
    reports.enqueue(deadRow(), 'x');
    await waitFor(() => outcomes.includes('done'), 'the report delivered on the retry');
    expect(outcomes).toEqual(['retry', 'done']);
    expect(aborted).toEqual([true]);
  });

  it('queues one report per dead row, whatever calls it twice', async () => {
    const calls: Inbound[] = [];
    const { reports, deadRow, outcomes, store } = setup(async (event) => void calls.push(event));
    const row = deadRow();
    reports.enqueue(row, 'x');
    reports.enqueue(row, 'x');
    await waitFor(() => outcomes.includes('done'), 'the report delivered');
    expect(store.outbox.list('email', { direction: 'out' }, 10)).toHaveLength(1);
    expect(calls).toHaveLength(1);
  });

  it('a report that keeps failing is a dead letter of its own, and neither it nor a refusal reaches the user hooks', async () => {
    const { reports, deadRow, outcomes, store, userHooks } = setup(async () => {
      throw new RetryableError('the relay is unreachable');
    });
    reports.enqueue(deadRow(), 'x');
    await waitFor(() => outcomes.includes('dead'), 'the report out of attempts');
    expect(store.outbox.deadLetters('email', 10).map((r) => r.direction).sort()).toEqual(['in', 'out']);
    expect(userHooks).toEqual([]);

    const refused = setup(async () => {
      throw new StanzaError('not-acceptable', 'the relay refused the DSN');
    });
    refused.reports.enqueue(refused.deadRow(), 'x');
    await waitFor(() => refused.outcomes.includes('failed'), 'the report refused');
    expect(refused.userHooks).toEqual([]);
  });

  it('other out items still go to the bridge hooks; a bridge without inboundDead queues nothing', async () => {
    const { reports, deadRow, store, userHooks, lane } = setup();
    reports.enqueue(deadRow(), 'x');
    expect(store.outbox.list('email', { direction: 'out' }, 10)).toEqual([]);
    store.outbox.enqueue({ direction: 'out', bridge: 'email', user: 'carol@x', okey: 'k', payload: '{"event":{}}' }, Date.now());
    lane.kick('k');
    await waitFor(() => userHooks.length === 1, 'the ordinary item handled');
    expect(userHooks).toEqual(['handle {"event":{}}']);
  });
});
