// Sharded mode's handoff queue (src/core/postgres/shared-handoff.ts) in a real PostgreSQL, on the
// paths the end-to-end test (shard-callbacks.test.ts) does not drive: a bounce whose original
// message no other slot knows is not posted (the mail stays a mail), and old items are pruned.
import { expect, it } from 'vitest';
import { openPostgresStore, pgPool } from '../../src/core/postgres/store.js';
import { sharedHandoff } from '../../src/core/postgres/shared-handoff.js';
import { createSlotSchemas, sharedSchema, slotSchema, slotUrl } from '../../src/failover/slots.js';
import { usePostgresSlotStores } from '../helpers/pg-slot-stores.js';

const { server: pgServer, opened, pools } = usePostgresSlotStores();

/** Two slot stores in one database (their migrations create the shared schema and its queue), and slot 0's queue. */
async function twoSlots() {
  const url = await pgServer().createDatabase();
  const admin = pgPool(url, 2);
  pools.push(admin);
  const slots = [slotSchema('switchboard', 0), slotSchema('switchboard', 1)];
  await createSlotSchemas(admin, slots);
  for (const [slot, schema] of slots.entries())
    opened.push(await openPostgresStore({ url: slotUrl(url, schema), sharedDedupe: { schema: sharedSchema('switchboard'), slot } }));
  const queue = sharedHandoff(admin, { schema: sharedSchema('switchboard'), slot: 0, pollMs: 100, otherSlots: [slots[1]!] });
  return { admin, queue, slot1: slots[1]! };
}

it('a bounce is posted only when another slot sent the message it names', async () => {
  const { admin, queue, slot1 } = await twoSlots();
  const payload = { messageId: '<m1@mail.example.org>' };
  expect(await queue.post('email', 'bounce', payload, 1000, ['<m1@mail.example.org>'])).toBe(false);
  expect(await queue.list(['email'], 0, 0)).toEqual([]);

  await admin.query(`INSERT INTO ${slot1}.message_map (bridge, "user", xmpp_id, network_id, created_at) VALUES ('email', 'a@x', 'x1', '<m1@mail.example.org>', 1)`);
  expect(await queue.post('email', 'bounce', payload, 1000, ['<m1@mail.example.org>'])).toBe(true);
  const items = await queue.list(['email'], 0, 0);
  expect(items.map((i) => [i.bridge, i.kind, i.payload])).toEqual([['email', 'bounce', payload]]);
  // Another bridge's map does not count.
  expect(await queue.post('sms', 'bounce', payload, 1000, ['<m1@mail.example.org>'])).toBe(false);
});

it('items older than the cut are pruned; younger ones stay', async () => {
  const { queue } = await twoSlots();
  await queue.post('sms', 'status', { sid: 'SM1' }, 1000);
  await queue.post('sms', 'status', { sid: 'SM2' }, 5000);
  expect(await queue.prune(2000)).toBe(1);
  expect((await queue.list(['sms'], 0, 0)).map((i) => i.payload)).toEqual([{ sid: 'SM2' }]);
});
