import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { connectNativeIrc } from '../../../test/helpers/irc-native.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { expectInbound, find, indexOf, startBridge, unique, useNgircd } from './helpers.js';

const ircd = useNgircd();

async function joined(port: number) {
  const id = unique();
  const b = await startBridge(port);
  const user = `u${id}@example.org`;
  const chan = `#c${id}`;
  const room = `${chan}%test`;
  const nick = `X${id}`;
  await b.bridge.send({ kind: 'join', user, resource: 'r1', to: room, nick, id: 'join1' });
  return { ...b, id, user, chan, room, nick };
}

describe('IRC channels as MUC rooms (ngircd)', () => {
  it('a join sends occupants from NAMES, then self-presence with 110 and 100, then the subject', async () => {
    const id = unique();
    const native = await connectNativeIrc(ircd().port, `N${id}`);
    native.client.join(`#j${id}`);
    await native.expect('join');
    const b = await startBridge(ircd().port);
    const user = `u${id}@example.org`;
    await b.bridge.send({ kind: 'join', user, resource: 'r1', to: `#j${id}%test`, nick: `X${id}` });
    const t = b.t;
    const other = find(t, 'presence', (e) => e.fromResource === `N${id}`)[0];
    expect(other?.muc).toMatchObject({ affiliation: 'admin', role: 'moderator', codes: [] });
    expect(other?.muc?.jid).toMatch(new RegExp(`^n${id}%test@irc\\.localhost(/|$)`));
    const self = find(t, 'presence', (e) => e.fromResource === `X${id}`)[0];
    expect(self).toMatchObject({ user, from: `#j${id}%test`, toResource: 'r1', type: 'available' });
    expect(self?.muc).toMatchObject({ affiliation: 'none', role: 'participant', codes: [110, 100] });
    const subjectAt = indexOf(t, (e) => e.kind === 'subject');
    expect(subjectAt).toBeGreaterThan(indexOf(t, (e) => e.kind === 'presence' && e.fromResource === `X${id}`));
    expect(find(t, 'subject')[0]).toMatchObject({ subject: '', toResource: 'r1' });
    await native.expect('join', (e) => e.nick === `X${id}`);
  });

  it('the channel creator is admin/moderator, and a second nick is ignored with 210', async () => {
    const j = await joined(ircd().port);
    const self = await expectInbound(j.t, 'presence', (e) => e.fromResource === j.nick, 'self-presence');
    expect(self.muc).toMatchObject({ affiliation: 'admin', role: 'moderator' });
    await j.bridge.send({ kind: 'join', user: j.user, resource: 'r2', to: `#o${j.id}%test`, nick: 'Other' });
    const second = await expectInbound(j.t, 'presence', (e) => e.from === `#o${j.id}%test` && e.toResource === 'r2', 'second channel self-presence');
    expect(second.fromResource).toBe(j.nick);
    expect(second.muc?.codes).toEqual([110, 100, 210]);
  });

  it('groupchat goes to IRC and is reflected to every joined resource with the sender id and a stanza-id', async () => {
    const j = await joined(ircd().port);
    await j.bridge.send({ kind: 'join', user: j.user, resource: 'r2', to: j.room, nick: j.nick });
    const native = await connectNativeIrc(ircd().port, `N${j.id}`);
    native.client.join(j.chan);
    await native.expect('join');
    await j.bridge.send({ kind: 'message', user: j.user, resource: 'r1', to: j.room, type: 'groupchat', body: 'coucou', id: 'first_id', originId: 'o1', receiptRequested: false });
    await native.expect('message', (e) => e.message === 'coucou' && e.nick === j.nick && e.target === j.chan);
    // The reflection is held for one PING round trip (refusals.ts), so it may follow IRC's copy.
    const refl = await waitFor(() => { const r = find(j.t, 'message', (e) => e.body === 'coucou'); return r.length >= 2 && r; }, 'both reflections');
    expect(refl.map((e) => e.toResource).sort()).toEqual(['r1', 'r2']);
    for (const e of refl) expect(e).toMatchObject({ from: j.room, fromResource: j.nick, type: 'groupchat', id: 'first_id', originId: 'o1' });
    expect(refl[0]!.stanzaId).toBeTruthy();
  });

  it('multi-line bodies become several IRC lines, /me becomes a CTCP ACTION, long lines are split under 512 bytes', async () => {
    const j = await joined(ircd().port);
    const native = await connectNativeIrc(ircd().port, `N${j.id}`);
    native.client.join(j.chan);
    await native.expect('join');
    await j.bridge.send({ kind: 'message', user: j.user, resource: 'r1', to: j.room, type: 'groupchat', body: 'un\ndeux\ntrois', id: 'ml', receiptRequested: false });
    await native.expect('message', (e) => e.message === 'trois');
    const got = native.events.filter((e) => e.event === 'message' && e.nick === j.nick).map((e) => e.message);
    expect(got).toEqual(['un', 'deux', 'trois']);
    const refl = await waitFor(() => { const r = find(j.t, 'message', (e) => e.fromResource === j.nick && e.type === 'groupchat'); return r.length >= 3 && r.map((e) => [e.body, e.id]); }, 'three reflected lines');
    expect(refl).toEqual([['un', 'ml'], ['deux', undefined], ['trois', undefined]]);
    await j.bridge.send({ kind: 'message', user: j.user, resource: 'r1', to: j.room, type: 'groupchat', body: '/me rit en IRC', receiptRequested: false });
    await native.expect('action', undefined, 100).catch(() => undefined);
    await native.expect('message', (e) => e.type === 'action' && e.message === 'rit en IRC');
    const long = 'é'.repeat(600);
    await j.bridge.send({ kind: 'message', user: j.user, resource: 'r1', to: j.room, type: 'groupchat', body: long, receiptRequested: false });
    await waitFor(() => native.events.filter((e) => e.event === 'message' && (e.message ?? '').startsWith('é')).map((e) => e.message).join('') === long, 'the long line in pieces');
  });

  it('IRC messages, actions and notices reach every joined resource as groupchat', async () => {
    const j = await joined(ircd().port);
    const native = await connectNativeIrc(ircd().port, `N${j.id}`);
    native.client.join(j.chan);
    await expectInbound(j.t, 'presence', (e) => e.fromResource === native.nick, 'native join presence');
    native.client.say(j.chan, 'hello from IRC');
    native.client.action(j.chan, 'waves');
    const msg = await expectInbound(j.t, 'message', (e) => e.body === 'hello from IRC', 'IRC message');
    expect(msg).toMatchObject({ from: j.room, fromResource: native.nick, toResource: 'r1', type: 'groupchat' });
    expect(msg.stanzaId).toBeTruthy();
    await expectInbound(j.t, 'message', (e) => e.body === '/me waves', 'IRC action');
    native.client.notice(j.nick, `[${j.chan}] Hello in a notice.`);
    await expectInbound(j.t, 'message', (e) => e.body === `[notice] [${j.chan}] Hello in a notice.` && e.from === j.room, 'channel notice');
  });

  it('a line that is not UTF-8 is read as latin-1', async () => {
    const j = await joined(ircd().port);
    const sock = connect({ host: '127.0.0.1', port: ircd().port });
    let seen = '';
    sock.on('data', (d: Buffer) => (seen += d.toString('latin1')));
    sock.write(`NICK L${j.id}\r\nUSER l 0 * :latin\r\n`);
    await waitFor(() => / 001 /.test(seen), 'raw client registered');
    sock.write(`JOIN ${j.chan}\r\n`);
    await expectInbound(j.t, 'presence', (e) => e.fromResource === `L${j.id}`, 'raw client joined');
    sock.write(Buffer.from(`PRIVMSG ${j.chan} :caf\u00e9 cr\u00e8me\r\n`, 'latin1'));
    await expectInbound(j.t, 'message', (e) => e.body === 'café crème', 'latin-1 message');
    sock.destroy();
  });

  it('a message from a resource that has not joined is not-acceptable', async () => {
    const j = await joined(ircd().port);
    await expect(
      j.bridge.send({ kind: 'message', user: j.user, resource: 'other', to: j.room, type: 'groupchat', body: 'x', receiptRequested: false }),
    ).rejects.toMatchObject({ condition: 'not-acceptable', message: 'You are not a participant in this room.' });
  });

  it('nick changes both ways give 303 then the new presence', async () => {
    const j = await joined(ircd().port);
    const native = await connectNativeIrc(ircd().port, `N${j.id}`);
    native.client.join(j.chan);
    await expectInbound(j.t, 'presence', (e) => e.fromResource === native.nick, 'native join');
    await j.bridge.send({ kind: 'nick', user: j.user, resource: 'r1', to: j.room, toResource: `Y${j.id}`, nick: `Y${j.id}` });
    const gone = await expectInbound(j.t, 'presence', (e) => e.type === 'unavailable' && e.fromResource === j.nick, 'old nick unavailable');
    expect(gone.muc).toMatchObject({ nick: `Y${j.id}`, codes: [303, 110] });
    await expectInbound(j.t, 'presence', (e) => e.type === 'available' && e.fromResource === `Y${j.id}` && !!e.muc?.codes.includes(110), 'new nick presence');
    await native.expect('nick', (e) => e.new_nick === `Y${j.id}`);
    native.client.changeNick(`M${j.id}`);
    const nat = await expectInbound(j.t, 'presence', (e) => e.type === 'unavailable' && e.fromResource === native.nick, 'native old nick');
    expect(nat.muc).toMatchObject({ nick: `M${j.id}`, codes: [303] });
    await expectInbound(j.t, 'presence', (e) => e.type === 'available' && e.fromResource === `M${j.id}`, 'native new nick');
  });

  it('a nick already in use gives a conflict presence error and keeps the old nick', async () => {
    const j = await joined(ircd().port);
    const native = await connectNativeIrc(ircd().port, `N${j.id}`);
    await j.bridge.send({ kind: 'nick', user: j.user, resource: 'r1', to: j.room, toResource: native.nick, nick: native.nick, id: 'n1' });
    const err = await expectInbound(j.t, 'error', (e) => e.fromResource === native.nick, 'nick conflict');
    expect(err).toMatchObject({ condition: 'conflict', stanza: 'presence', toResource: 'r1', id: 'n1' });
  });

  it('kicks both ways: IRC KICK gives 307 with actor and reason; muc#admin role none kicks on IRC', async () => {
    const j = await joined(ircd().port);
    const native = await connectNativeIrc(ircd().port, `N${j.id}`);
    native.client.join(j.chan);
    await expectInbound(j.t, 'presence', (e) => e.fromResource === native.nick, 'native join');
    await j.bridge.send({ kind: 'moderate', user: j.user, resource: 'r1', to: j.room, nick: native.nick, role: 'none', reason: 'reported' });
    const kick = await native.expect('kick');
    expect(kick).toMatchObject({ kicked: native.nick, message: 'reported' });
    const out = await expectInbound(j.t, 'presence', (e) => e.type === 'unavailable' && e.fromResource === native.nick, 'kicked occupant');
    expect(out.muc).toMatchObject({ role: 'none', actor: j.nick, reason: 'reported', codes: [307] });
    // Now the other way: a native op kicks the bridged user.
    const id2 = unique();
    native.client.join(`#k${id2}`);
    await native.expect('join', (e) => e.channel === `#k${id2}`);
    await j.bridge.send({ kind: 'join', user: j.user, resource: 'r1', to: `#k${id2}%test`, nick: j.nick });
    native.client.raw('KICK', `#k${id2}`, j.nick, 'bye now');
    const self = await expectInbound(j.t, 'presence', (e) => e.from === `#k${id2}%test` && e.type === 'unavailable', 'self kicked');
    expect(self.muc).toMatchObject({ role: 'none', actor: native.nick, reason: 'bye now', codes: [307, 110] });
  });

  it('topics both ways: subject from the setter, newlines become spaces', async () => {
    const j = await joined(ircd().port);
    const native = await connectNativeIrc(ircd().port, `N${j.id}`);
    native.client.join(j.chan);
    await expectInbound(j.t, 'presence', (e) => e.fromResource === native.nick, 'native join');
    await j.bridge.send({ kind: 'subject', user: j.user, resource: 'r1', to: j.room, subject: 'FIRST LINE\nSECOND LINE.' });
    await native.expect('topic', (e) => e.topic === 'FIRST LINE SECOND LINE.');
    const s1 = await expectInbound(j.t, 'subject', (e) => e.subject === 'FIRST LINE SECOND LINE.', 'reflected subject');
    expect(s1.fromResource).toBe(j.nick);
    await j.bridge.send({ kind: 'moderate', user: j.user, resource: 'r1', to: j.room, nick: native.nick, affiliation: 'admin' });
    await expectInbound(j.t, 'message', (e) => e.body === `Mode ${j.chan} [+o ${native.nick}] by ${j.nick}`, 'mode message');
    const promoted = await expectInbound(j.t, 'presence', (e) => e.fromResource === native.nick && e.muc?.affiliation === 'admin', 'native promoted');
    expect(promoted.muc?.role).toBe('moderator');
    native.client.setTopic(j.chan, 'from IRC');
    const s2 = await expectInbound(j.t, 'subject', (e) => e.subject === 'from IRC', 'IRC topic');
    expect(s2).toMatchObject({ from: j.room, fromResource: native.nick });
  });

  it('PART and QUIT from IRC remove the occupant with the message as status; leaving parts and quits', async () => {
    const j = await joined(ircd().port);
    const a = await connectNativeIrc(ircd().port, `A${j.id}`);
    const c = await connectNativeIrc(ircd().port, `C${j.id}`);
    a.client.join(j.chan);
    c.client.join(j.chan);
    await expectInbound(j.t, 'presence', (e) => e.fromResource === c.nick, 'c joined');
    a.client.part(j.chan, 'see you');
    const parted = await expectInbound(j.t, 'presence', (e) => e.type === 'unavailable' && e.fromResource === a.nick, 'part');
    expect(parted.status).toBe('see you');
    c.client.quit('gone fishing');
    const quit = await expectInbound(j.t, 'presence', (e) => e.type === 'unavailable' && e.fromResource === c.nick, 'quit');
    expect(quit.status).toMatch(/gone fishing/);
    const watcher = await connectNativeIrc(ircd().port, `W${j.id}`);
    watcher.client.join(j.chan);
    await watcher.expect('join');
    await j.bridge.send({ kind: 'leave', user: j.user, resource: 'r1', to: j.room, status: 'bye' });
    const self = await expectInbound(j.t, 'presence', (e) => e.type === 'unavailable' && e.fromResource === j.nick, 'self leave');
    expect(self.muc?.codes).toContain(110);
    await watcher.expect('part', (e) => e.nick === j.nick);
    await waitFor(() => j.bridge.sessionsOf(j.user).length === 0, 'session closed');
    // The QUIT freed the nick: a native user registers with it.
    const again = await connectNativeIrc(ircd().port, j.nick);
    expect(again.client.user.nick).toBe(j.nick);
  });

  it.each([
    ['+k', ['+k', 'sekrit'], 'not-authorized'],
    ['+i', ['+i'], 'registration-required'],
    ['+l', ['+l', '1'], 'service-unavailable'],
    ['+b', ['+b', '*!*@*'], 'forbidden'],
  ])('a join refused by %s gives a presence error %s', async (_m, modeArgs, condition) => {
    const id = unique();
    const native = await connectNativeIrc(ircd().port, `N${id}`);
    native.client.join(`#e${id}`);
    await native.expect('join');
    native.client.raw('MODE', `#e${id}`, ...modeArgs);
    await native.expect('mode');
    const b = await startBridge(ircd().port);
    await b.bridge.send({ kind: 'join', user: `u${id}@example.org`, resource: 'r1', to: `#e${id}%test`, nick: `X${id}`, id: 'jid' });
    const err = await expectInbound(b.t, 'error', () => true, 'join error');
    expect(err).toMatchObject({ stanza: 'presence', mucJoin: true, condition, id: 'jid', from: `#e${id}%test`, fromResource: `X${id}`, toResource: 'r1' });
  });

  it('a join with the channel key succeeds', async () => {
    const id = unique();
    const native = await connectNativeIrc(ircd().port, `N${id}`);
    native.client.join(`#k${id}`);
    await native.expect('join');
    native.client.raw('MODE', `#k${id}`, '+k', 'SECRET');
    await native.expect('mode');
    const b = await startBridge(ircd().port);
    await b.bridge.send({ kind: 'join', user: `u${id}@example.org`, resource: 'r1', to: `#k${id}%test`, nick: `X${id}`, password: 'SECRET' });
    await expectInbound(b.t, 'presence', (e) => !!e.muc?.codes.includes(110), 'joined with key');
  });

  it('CR/LF in a nick cannot inject a command: the join fails', async () => {
    const id = unique();
    const b = await startBridge(ircd().port);
    await b.bridge.send({ kind: 'join', user: `u${id}@example.org`, resource: 'r1', to: `#i${id}%test`, nick: `X${id}\r\nJOIN #evil${id}` });
    const err = await expectInbound(b.t, 'error', () => true, 'refused nick');
    expect(err.condition).toBe('jid-malformed');
  });
});
