import { describe, expect, it } from 'vitest';
import type { Inbound } from '../../../src/core/model.js';
import { connectNativeIrc } from '../../../test/helpers/irc-native.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { IrcBridge } from '../adapter.js';
import { ircConfigSchema } from '../config.js';
import { expectInbound, find, indexOf, ownerOf, startBridge, unique, useNgircd } from './helpers.js';

const ircd = useNgircd();

async function setup(options: Record<string, unknown> = {}) {
  const id = unique();
  const b = await startBridge(ircd().port, options);
  const user = `u${id}@example.org`;
  const chan = `#p${id}`;
  const room = `${chan}%test`;
  const nick = `X${id}`;
  await b.bridge.send({ kind: 'join', user, resource: 'r1', to: room, nick });
  const native = await connectNativeIrc(ircd().port, `N${id}`);
  native.client.join(chan);
  await expectInbound(b.t, 'presence', (e) => e.fromResource === `N${id}`, 'native occupant');
  return { ...b, id, user, chan, room, nick, native };
}

const bodiesTo = (events: Inbound[], r: string) => events.filter((e): e is Extract<Inbound, { kind: 'message' }> => e.kind === 'message' && e.toResource === r).map((e) => e.body);

describe('channel history on join (XEP-0045 §7.2.15)', () => {
  it('is sent after the self-presence and before the subject, with delay and stanza-id, honouring <history/>', async () => {
    const j = await setup();
    for (const text of ['h1', 'h2', 'h3']) j.native.client.say(j.chan, text);
    await expectInbound(j.t, 'message', (e) => e.body === 'h3', 'h3');
    await j.bridge.send({ kind: 'message', user: j.user, resource: 'r1', to: j.room, type: 'groupchat', body: 'mine', id: 'm1', receiptRequested: false });
    // Reflected, and kept in the history, once the server had its chance to refuse it (refusals.ts).
    await expectInbound(j.t, 'message', (e) => e.body === 'mine' && e.toResource === 'r1', 'the reflection of mine');

    await j.bridge.send({ kind: 'join', user: j.user, resource: 'r2', to: j.room, nick: j.nick, history: { maxstanzas: 2 } });
    const all = j.t.inbound();
    expect(bodiesTo(all, 'r2')).toEqual(['h3', 'mine']);
    const hist = find(j.t, 'message', (e) => e.toResource === 'r2' && e.body === 'h3')[0]!;
    expect(hist).toMatchObject({ from: j.room, fromResource: `N${j.id}`, type: 'groupchat' });
    expect(hist.delay).toMatch(/^\d{4}-\d\d-\d\dT/);
    const live = find(j.t, 'message', (e) => e.toResource === 'r1' && e.body === 'h3')[0]!;
    expect(hist.stanzaId).toBe(live.stanzaId);
    const selfAt = indexOf(j.t, (e) => e.kind === 'presence' && e.toResource === 'r2' && e.muc?.codes.includes(110) === true);
    const histAt = indexOf(j.t, (e) => e.kind === 'message' && e.toResource === 'r2');
    const subjectAt = indexOf(j.t, (e) => e.kind === 'subject' && e.toResource === 'r2');
    expect(selfAt).toBeLessThan(histAt);
    expect(histAt).toBeLessThan(subjectAt);

    await j.bridge.send({ kind: 'join', user: j.user, resource: 'r3', to: j.room, nick: j.nick, history: { maxchars: 0 } });
    await j.bridge.send({ kind: 'join', user: j.user, resource: 'r4', to: j.room, nick: j.nick });
    expect(bodiesTo(j.t.inbound(), 'r3')).toEqual([]);
    expect(bodiesTo(j.t.inbound(), 'r4')).toEqual(['h1', 'h2', 'h3', 'mine']);
  });

  it('max_history_length bounds the history, and the archive survives leaving the channel', async () => {
    const j = await setup({ max_history_length: 2 });
    for (const text of ['a1', 'a2', 'a3']) j.native.client.say(j.chan, text);
    await expectInbound(j.t, 'message', (e) => e.body === 'a3', 'a3');
    await j.bridge.send({ kind: 'leave', user: j.user, resource: 'r1', to: j.room });
    await j.native.expect('part', (e) => e.nick === j.nick);
    await j.bridge.send({ kind: 'join', user: j.user, resource: 'r9', to: j.room, nick: j.nick });
    expect(bodiesTo(j.t.inbound(), 'r9')).toEqual(['a2', 'a3']);
    const page = j.mam(j.user, j.room, { page: {} });
    expect(page.messages.map((m) => m.body)).toEqual(['a1', 'a2', 'a3']);
    expect(page.complete).toBe(true);
  });
});

describe('muc#owner channel settings and persistent channels', () => {
  it('the owner form shows persistent, record_history and max_history_length; record_history off stops archiving', async () => {
    const j = await setup();
    const form = await j.owner.form(j.user, j.room);
    expect(Object.fromEntries(form.fields.map((f) => [f.var, f.values]))).toMatchObject({ persistent: ['0'], record_history: ['1'], max_history_length: ['20'] });
    await j.owner.submit(j.user, j.room, { record_history: ['0'], max_history_length: ['5'] });
    j.native.client.say(j.chan, 'unrecorded');
    await expectInbound(j.t, 'message', (e) => e.body === 'unrecorded', 'live message');
    expect((j.mam(j.user, j.room, { page: {} })).messages).toEqual([]);
    const again = await j.owner.form(j.user, j.room);
    expect(again.fields.find((f) => f.var === 'max_history_length')?.values).toEqual(['5']);
    await expect(j.owner.submit(j.user, j.room, { persistent: ['maybe'] })).rejects.toMatchObject({ condition: 'bad-request' });
  });

  it('settings an earlier version stored in the bridge’s rows still apply after the upgrade (moved to the core at start)', async () => {
    const id = unique();
    const user = `u${id}@example.org`;
    const b = await startBridge(ircd().port, {}, {}, {
      prepare: (t) => {
        t.ctx.kv.set(`chan:${user}\ntest\n#m${id}`, { persistent: true, record_history: false, max_history_length: 3 });
        t.ctx.kv.set(`defaults:${user}`, { max_history_length: 7 });
      },
    });
    const values = async (room: string) => Object.fromEntries((await b.owner.form(user, room)).fields.map((f) => [f.var, f.values]));
    expect(await values(`#M${id}%test`)).toMatchObject({ persistent: ['1'], record_history: ['0'], max_history_length: ['3'] });
    expect(await values(`#o${id}%test`)).toMatchObject({ persistent: ['0'], record_history: ['1'], max_history_length: ['7'] });
    expect(b.t.ctx.kv.get(`chan:${user}\ntest\n#m${id}`)).toEqual({ persistent: true });
  });

  it('a persistent channel stays joined after the last resource leaves, keeps archiving, and is rejoined at start', async () => {
    const j = await setup();
    await j.owner.submit(j.user, j.room, { persistent: ['1'] });
    await j.bridge.send({ kind: 'leave', user: j.user, resource: 'r1', to: j.room });
    const gone = await expectInbound(j.t, 'presence', (e) => e.toResource === 'r1' && e.type === 'unavailable', 'self unavailable');
    expect(gone.muc?.codes).toContain(110);
    j.native.client.say(j.chan, 'while you were away');
    await waitFor(async () => ((j.mam(j.user, j.room, { page: {} })).messages.some((m) => m.body === 'while you were away') ? true : undefined), 'archived while away');
    expect(j.native.events.some((e) => e.event === 'part' && e.nick === j.nick)).toBe(false);
    await j.bridge.send({ kind: 'join', user: j.user, resource: 'r5', to: j.room, nick: j.nick });
    expect(bodiesTo(j.t.inbound(), 'r5')).toEqual(['while you were away']);
    await j.bridge.send({ kind: 'leave', user: j.user, resource: 'r5', to: j.room });

    // Gateway restart: the connection QUITs, the next bridge rejoins the channel by itself.
    await j.bridge.stop();
    await j.native.expect('quit', (e) => e.nick === j.nick);
    const config = ircConfigSchema.parse({ networks: { test: { servers: [{ host: '127.0.0.1', port: ircd().port, tls: false }], throttle: { burst: 50, lines_per_second: 50 } } } });
    const next = new IrcBridge(j.t.ctx, config);
    const joinsBefore = j.native.events.filter((e) => e.event === 'join' && e.nick === j.nick).length;
    await next.start();
    await waitFor(() => (j.native.events.filter((e) => e.event === 'join' && e.nick === j.nick).length > joinsBefore ? true : undefined), 'rejoined at start');
    j.native.client.say(j.chan, 'after restart');
    await waitFor(async () => (j.mam(j.user, j.room, { page: {} }).messages.some((m) => m.body === 'after restart') ? true : undefined), 'archived after restart');

    // Turning persistence off with no resource in the channel parts it.
    await ownerOf(next, j.t).submit(j.user, j.room, { persistent: ['0'] });
    await j.native.expect('part', (e) => e.nick === j.nick);
    await next.stop();
  });
});
