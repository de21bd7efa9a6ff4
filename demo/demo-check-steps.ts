/**
 * The checks of demo-check.ts, one per bridge: each proves that something from the bridge's
 * network reaches alice's XMPP client (and, where it is cheap, that her answer leaves).
 */
import { xml } from '@xmpp/client';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DemoState } from './demo-banner.js';
import { connectIrc } from './demo-irc-client.js';
import { postDemoSms, smsDemoInfo } from './demo-sms-webhook.js';
import { runSwaks } from '../test/helpers/email-swaks.js';
import { waitFor } from '../test/helpers/wait.js';
import type { TestClient } from '../test/helpers/xmpp-client.js';

type Bridge = DemoState['bridges'][number];

const unique = (what: string): string => `${what}-${randomBytes(3).toString('hex')}`;

function infoText(bridge: Bridge, key: string): string {
  const value = bridge.info?.[key];
  if (value === undefined) throw new Error(`demo.json has no ${key} for ${bridge.id}: restart \`npm run demo\``);
  return String(value);
}

export async function checkEcho(client: TestClient, bridge: Bridge): Promise<void> {
  const body = unique('demo-check');
  const started = Date.now();
  await client.send(xml('message', { to: `hello@${bridge.domain}`, type: 'chat', id: unique('check') }, xml('body', {}, body)));
  const echo = await client.waitForStanza((s) => s.is('message') && s.getChildText('body') === body, `the echo from hello@${bridge.domain}`);
  console.log(`echo: ${echo.attrs['from']} answered in ${Date.now() - started} ms`);
  const status = await client.iq(xml('iq', { type: 'set', to: bridge.domain }, xml('command', { xmlns: 'http://jabber.org/protocol/commands', node: 'status', action: 'execute' })));
  const note = status.getChild('command')?.getChildText('note');
  if (!note) throw new Error(`status command failed: ${status.toString()}`);
  console.log(`echo: admin status command of ${bridge.domain}:\n${note}`);
}

/** alice joins #demo over XMPP, an IRC client joins it too, and they exchange a line each way. */
export async function checkIrc(client: TestClient, bridge: Bridge): Promise<void> {
  const room = infoText(bridge, 'room');
  const nick = unique('alice');
  await client.send(xml('presence', { to: `${room}/${nick}` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' }, xml('history', { maxstanzas: '0' }))));
  const self = await client.waitForStanza(
    (s) => s.is('presence') && String(s.attrs['from']).startsWith(`${room}/`) && (s.getChild('x', 'http://jabber.org/protocol/muc#user')?.getChildren('status') ?? []).some((st) => st.attrs['code'] === '110'),
    `alice's self-presence in ${room}`,
    30_000,
  );
  if (self.attrs['type'] === 'error') throw new Error(`joining ${room} failed: ${self.toString()}`);
  const myNick = String(self.attrs['from']).slice(room.length + 1);
  console.log(`irc: alice joined ${room} as ${myNick}`);
  const ircNick = unique('ircuser').replace('-', '');
  const irc = await connectIrc(Number(infoText(bridge, 'port')), ircNick);
  try {
    const channel = room.split('%')[0]!;
    irc.send(`JOIN ${channel}`);
    await irc.waitForLine((l) => / 366 /.test(l), 'the end of NAMES');
    await client.waitForStanza((s) => s.is('presence') && s.attrs['from'] === `${room}/${ircNick}`, `the IRC user's join as ${room}/${ircNick}`);
    const fromIrc = unique('from-irc');
    irc.send(`PRIVMSG ${channel} :${fromIrc}`);
    await client.waitForStanza((s) => s.is('message') && s.attrs['type'] === 'groupchat' && s.getChildText('body') === fromIrc, 'the IRC line in the room');
    const fromXmpp = unique('from-xmpp');
    await client.send(xml('message', { to: room, type: 'groupchat', id: unique('gc') }, xml('body', {}, fromXmpp)));
    await irc.waitForLine((l) => l.includes(`PRIVMSG ${channel} :${fromXmpp}`), "alice's line");
    console.log(`irc: ${ircNick} on IRC saw alice join, and a line went each way`);
  } finally {
    await irc.quit();
    await client.send(xml('presence', { to: `${room}/${myNick}`, type: 'unavailable' }));
  }
}

/** A signed inbound webhook reaches alice; her answer reaches the fake Twilio and comes back as a receipt. */
export async function checkSms(client: TestClient, bridge: Bridge, state: DemoState): Promise<void> {
  const info = smsDemoInfo(state);
  const aliceNumber = info.numbers['alice'];
  if (!aliceNumber) throw new Error('alice has no SMS number in demo.json');
  const phone = '+15557770123';
  const body = unique('sms-in');
  const res = await postDemoSms(info, phone, aliceNumber, body);
  if (res.status !== 200) throw new Error(`the inbound webhook got ${res.status}: ${res.body}`);
  await client.waitForStanza((s) => s.is('message') && s.attrs['from'] === `${phone}@${bridge.domain}` && s.getChildText('body') === body, 'the inbound SMS');
  const reply = unique('sms-out');
  const id = unique('sms');
  await client.send(xml('message', { to: `${phone}@${bridge.domain}`, type: 'chat', id }, xml('body', {}, reply), xml('request', { xmlns: 'urn:xmpp:receipts' })));
  await waitFor(() => existsSync(info.log) && readFileSync(info.log, 'utf8').includes(reply), `the reply in ${info.log}`, 15_000);
  await client.waitForStanza((s) => s.getChild('received', 'urn:xmpp:receipts')?.attrs['id'] === id, 'the delivery receipt of the reply');
  console.log(`sms: a text from ${phone} reached alice; her reply reached the fake Twilio and was reported delivered`);
}

/** swaks mails alice through the bridge's listener; her answer lands in the sink's Maildir. */
export async function checkEmail(client: TestClient, bridge: Bridge): Promise<void> {
  const body = unique('mail-in');
  const sender = 'carol@example.com';
  const sent = await runSwaks(Number(infoText(bridge, 'smtpPort')), ['--from', sender, '--to', infoText(bridge, 'alice'), '--header', 'Subject: demo-check', '--body', body]);
  if (sent.code !== 0) throw new Error(`swaks failed (${sent.code}):\n${sent.output}`);
  const contact = `${sender.replace('@', '\\40')}@${bridge.domain}`;
  await client.waitForStanza((s) => s.is('message') && s.attrs['from'] === contact && s.getChildText('body') === body, 'the inbound mail');
  const reply = unique('mail-out');
  await client.send(xml('message', { to: contact, type: 'chat', id: unique('mail') }, xml('body', {}, reply)));
  const newDir = join(infoText(bridge, 'maildir'), 'new');
  await waitFor(() => existsSync(newDir) && readdirSync(newDir).some((f) => readFileSync(join(newDir, f), 'utf8').includes(reply)), `the reply in ${newDir}`, 15_000);
  console.log(`email: a mail from ${sender} reached alice; her reply landed in ${newDir}`);
}
