/**
 * kill -9 under load (issue 10). The built gateway (src/cli.ts) with the echo, IRC, email and SMS
 * bridges against Prosody, ngircd, the aiosmtpd relay sink and the local Twilio API (test helpers);
 * load on each path at once — echo, XMPP→IRC, IRC→XMPP, SMTP ingest, Twilio inbound webhooks —
 * SIGKILL of the gateway mid-load, a restart on the same store, the rest of the load, a drain.
 * Prints one JSON line per path: sent, acknowledged, errors, delivered, lost, duplicated, and
 * whether every duplicate carried its first copy's ids (id, origin-id, stanza-id).
 *
 *   npm run bench:kill9 [-- --rate 40 --seconds 8 --kill-at 3 --kills 1]
 *   npm run bench:kill9 -- --window 150   (the kill inside the redelivery window, see below)
 *
 * A kill at a random moment rarely falls between an inbound stanza's send and its `done` commit,
 * so duplicates are rare; `--window N` makes the first gateway kill itself there instead (the
 * SWITCHBOARD_CRASH_POINT=inbound-sent:N hook of src/core/crash-point.ts, after its N-th inbound
 * stanza), so the duplicates and their ids are measured too.
 *
 * Acknowledged: SMTP 250 / HTTP 200 for mail and webhooks (their senders retry, with the same
 * Message-ID / MessageSid, until they get one, as real ones do); for XMPP senders, not answered
 * with an error by the server (XMPP has no positive acknowledgement); for IRC→XMPP, sent while
 * the gateway was in the channel. Lost = acknowledged − delivered: only an item whose handling
 * had not been committed when the process died may be lost (design.md §5).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { xml } from '@xmpp/client';
import type { Element } from 'ltx';
import { startSmtpSink } from '../test/helpers/email-smtp-sink.js';
import { startGatewayDaemon, type GatewayDaemon } from '../test/helpers/gateway-daemon.js';
import { connectNativeIrc } from '../test/helpers/irc-native.js';
import { startNgircd } from '../test/helpers/irc-ngircd.js';
import { freePort } from '../test/helpers/ports.js';
import { startProsody } from '../test/helpers/prosody.js';
import { inboundParams, postSignedWebhook, startFakeTwilio } from '../test/helpers/sms-fake-twilio.js';
import { sendRawMail } from '../test/helpers/smtp-raw-client.js';
import { sleep, waitFor } from '../test/helpers/wait.js';
import { connectClient } from '../test/helpers/xmpp-client.js';
import { arg } from './lib/args.js';
import { jsonLines } from './lib/output.js';
import { PathCounter } from './lib/kill9-paths.js';

const RATE = Number(arg('rate', '40'));
const SECONDS = Number(arg('seconds', '8'));
const KILL_AT = Number(arg('kill-at', '3'));
const KILLS = Number(arg('kills', '1'));
const WINDOW = Number(arg('window', '0'));
const IRC_OUT_EVERY = Math.max(1, Math.round(RATE));
const DOMAINS = { irc: 'irc.localhost', sms: 'sms.localhost', email: 'mail.localhost', echo: 'echo.localhost' } as const;
const ALICE_NUMBER = '+15550009001';
const PUBLIC = 'https://kill9-gw.example.org';
const SID = 'urn:xmpp:sid:0';
const CHANNEL = '#kill9';
const ROOM = `${CHANNEL}%test@${DOMAINS.irc}`;
const print = jsonLines('kill9');

const ircd = await startNgircd();
const twilio = await startFakeTwilio();
const sink = await startSmtpSink();
const server = await startProsody({
  components: Object.values(DOMAINS).map((domain) => ({ domain, secret: `secret-${domain}` })),
  users: [{ username: 'alice', password: 'pw-alice' }],
});
const [httpPort, smtpPort] = [await freePort(), await freePort()];
const attachments = mkdtempSync(join(tmpdir(), 'sb-kill9-'));
const bridge = (id: keyof typeof DOMAINS, options?: Record<string, unknown>) => ({ domain: DOMAINS[id], component_secret: `secret-${DOMAINS[id]}`, ...(options ? { options } : {}) });
const dir = mkdtempSync(join(tmpdir(), 'sb-kill9-gw-'));
const config = {
  xmpp: { host: '127.0.0.1', port: server.componentPort, reconnect: { initial_delay_ms: 200, max_delay_ms: 2000 } },
  store: { path: join(dir, 'switchboard.sqlite'), synchronous: 'normal' },
  http: { host: '127.0.0.1', port: httpPort, public_url: PUBLIC },
  outbox: { base_delay_ms: 200, max_delay_ms: 2000 },
  log: { level: 'info' },
  access: { users: [`alice@${server.domain}`] },
  bridges: {
    irc: bridge('irc', { networks: { test: { servers: [{ host: '127.0.0.1', port: ircd.port, tls: false }] } } }),
    sms: bridge('sms', { account_sid: twilio.accountSid, auth_token: twilio.authToken, api_base_url: twilio.url, numbers: { [`alice@${server.domain}`]: ALICE_NUMBER } }),
    email: bridge('email', {
      addresses: { pattern: '{local}@mail.example.org', user_domain: server.domain },
      smtp: { host: '127.0.0.1', port: smtpPort },
      relay: { host: '127.0.0.1', port: sink.port, timeout_ms: 2000 },
      attachments: { dir: attachments },
      authentication: { verify: false },
    }),
    echo: bridge('echo'),
  },
};
const start = (): Promise<GatewayDaemon> => startGatewayDaemon({ dir, config });
let gateway = await (WINDOW > 0 ? startGatewayDaemon({ dir, config, env: { ...process.env, SWITCHBOARD_CRASH_POINT: `inbound-sent:${WINDOW}` } }) : start());
const alice = await connectClient(server, 'alice', 'pw-alice', 'kill9');
const native = await connectNativeIrc(ircd.port, 'nativek9');
native.client.join(CHANNEL);
await native.expect('join', (e) => e.nick === 'nativek9');
const joinRoom = () => xml('presence', { to: `${ROOM}/alice` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' }, xml('history', { maxstanzas: '0' })));
let rejoining = false;
await alice.send(joinRoom());
await alice.waitForStanza((el) => el.is('presence') && el.attrs.from === `${ROOM}/alice`, 'self-presence in the room', 20_000);
await native.expect('join', (e) => e.nick === 'alice');

const paths = {
  echo: new PathCounter('echo'),
  irc_out: new PathCounter('irc_out', false),
  irc_in: new PathCounter('irc_in'),
  smtp_in: new PathCounter('smtp_in'),
  sms_in: new PathCounter('sms_in'),
};
// Everything alice receives, by body: a copy is a second stanza with the same body.
const idsOf = (el: Element) => ({ id: el.attrs.id as string | undefined, originId: el.getChild('origin-id', SID)?.attrs.id, stanzaId: el.getChild('stanza-id', SID)?.attrs.id });
alice.xmpp.on('stanza', (el: Element) => {
  if (!el.is('message')) return;
  const body = el.getChildText('body') ?? '';
  const m = /^(echo|ii|mail|sms):(\d+)/.exec(body);
  if (el.attrs.type === 'error') {
    const e = /^(echo|io)-(\d+)$/.exec((el.attrs.id as string | undefined) ?? '');
    if (e) (e[1] === 'echo' ? paths.echo : paths.irc_out).error(Number(e[2]), el.getChild('error')?.toString());
    // A restarted gateway does not rejoin a room by itself (only persistent channels): the
    // client joins again, as one does on this error (XEP-0410 §3.2).
    if (e?.[1] === 'io' && el.getChild('error')?.getChild('not-acceptable') && !rejoining) {
      rejoining = true;
      void alice.send(joinRoom()).finally(() => setTimeout(() => (rejoining = false), 1000));
    }
    return;
  }
  if (!m) return;
  const path = { echo: paths.echo, ii: paths.irc_in, mail: paths.smtp_in, sms: paths.sms_in }[m[1] as 'echo' | 'ii' | 'mail' | 'sms'];
  path.delivered(Number(m[2]), idsOf(el));
});
native.client.on('message', (e) => {
  const m = /^io:(\d+)$/.exec(e.message ?? '');
  if (m && /^alice/.test(e.nick ?? '')) paths.irc_out.delivered(Number(m[1]), {});
});
// The gateway's IRC user is in the channel between its JOIN and its QUIT (or the kill).
let gatewayInChannel = true;
native.client.on('join', (e) => {
  if (process.env.KILL9_DEBUG) process.stderr.write(`join ${e.nick}\n`);
  // After a kill -9 the old connection's nick may still be taken: the new one is alice_ or so.
  if (/^alice/.test(e.nick ?? '')) gatewayInChannel = true;
});
native.client.on('quit', (e) => void (/^alice/.test(e.nick ?? '') && (gatewayInChannel = false)));

/** Retry until acknowledged, as an SMTP client or Twilio does, with the same identity. */
async function untilAcked(path: PathCounter, i: number, attempt: () => Promise<string | true>, deadline: number): Promise<void> {
  for (;;) {
    const outcome = await attempt().catch((err: unknown) => String(err));
    if (outcome === true) return path.acked(i);
    // A permanent refusal (5xx) ends it, as it would for a real sender.
    if (Date.now() > deadline || outcome.startsWith('5')) return path.error(i, outcome);
    await sleep(200);
  }
}

const sendOne = (i: number, deadline: number): Array<Promise<void>> => {
  paths.echo.sent(i);
  // XMPP→IRC at the IRC bridge's default flood control (1 line/s after a burst of 10): faster
  // would measure the throttle's queue, not the crash.
  const ircOut = i % IRC_OUT_EVERY === 0;
  if (ircOut) paths.irc_out.sent(i);
  paths.irc_in.sent(i);
  paths.smtp_in.sent(i);
  paths.sms_in.sent(i);
  const xmppSend = (path: PathCounter, el: Element) =>
    alice.send(el).then(
      () => path.acked(i),
      () => path.error(i),
    );
  const mail = [`From: sender@example.com`, `To: alice@mail.example.org`, `Subject: k9 ${i}`, `Message-ID: <k9-${i}-${process.pid}@example.com>`, '', `mail:${i}`, ''].join('\r\n');
  const params = inboundParams({ accountSid: twilio.accountSid, from: '+15550001111', to: ALICE_NUMBER, body: `sms:${i}`, sid: `SM${process.pid.toString(16)}${i.toString(16).padStart(24, '0')}` });
  native.client.say(CHANNEL, `ii:${i}`);
  if (gatewayInChannel) paths.irc_in.acked(i);
  return [
    xmppSend(paths.echo, xml('message', { to: `c${i % 20}@${DOMAINS.echo}`, type: 'chat', id: `echo-${i}` }, xml('body', {}, `echo:${i}`))),
    ...(ircOut ? [xmppSend(paths.irc_out, xml('message', { to: ROOM, type: 'groupchat', id: `io-${i}` }, xml('body', {}, `io:${i}`)))] : []),
    untilAcked(paths.smtp_in, i, async () => {
        const r = await sendRawMail(smtpPort, { from: 'sender@example.com', to: 'alice@mail.example.org', data: mail, timeoutMs: 5000 });
        return r.code === 250 || `${r.code} ${r.text}`;
      }, deadline),
    untilAcked(
      paths.sms_in,
      i,
      async () => {
        const r = await postSignedWebhook({ postUrl: `http://127.0.0.1:${httpPort}/sms/inbound`, signedUrl: `${PUBLIC}/sms/inbound`, authToken: twilio.authToken, params });
        return r.status === 200 || `${r.status} ${r.body}`;
      },
      deadline,
    ),
  ];
};

const total = Math.round(RATE * SECONDS);
const killEvery = Math.round(RATE * KILL_AT);
const pending: Array<Promise<void>> = [];
const started = Date.now();
let kills = 0;
let restarting: Promise<void> = Promise.resolve();
let stopping = false;
if (WINDOW > 0) {
  // The gateway kills itself at the crash point: restart it when it is gone.
  restarting = gateway.daemon.exited.then(async () => {
    if (stopping) return;
    kills++;
    gatewayInChannel = false;
    process.stderr.write(`kill9: the gateway killed itself after inbound stanza ${WINDOW}, before its done commit; restarting\n`);
    gateway = await start();
  });
}
for (let i = 0; i < total; i++) {
  await sleep(Math.max(0, started + (i * 1000) / RATE - Date.now()));
  pending.push(...sendOne(i, Date.now() + 60_000));
  if (WINDOW === 0 && kills < KILLS && i === killEvery * (kills + 1)) {
    kills++;
    gateway.daemon.child.kill('SIGKILL');
    gatewayInChannel = false;
    process.stderr.write(`kill9: killed at item ${i}; restarting\n`);
    // The load goes on while the gateway is down and starting.
    restarting = gateway.daemon.exited.then(start).then((gw) => void (gateway = gw));
  }
}
if (WINDOW > 0 && kills === 0) process.stderr.write(`kill9: the load ended before inbound stanza ${WINDOW}; no kill\n`);
else await restarting;
await Promise.all(pending);
// Drain: until every acknowledged item arrived, or nothing arrived for 10 s (at most 60 s).
let last = -1;
let lastChange = Date.now();
await waitFor(
  () => {
    const copies = Object.values(paths).reduce((n, p) => n + p.copies, 0);
    if (copies !== last) [last, lastChange] = [copies, Date.now()];
    return Object.values(paths).every((p) => p.missing() === 0) || Date.now() - lastChange > 10_000;
  },
  'every acknowledged item delivered',
  60_000,
).catch(() => undefined);
await sleep(2000); // room for late copies
for (const p of Object.values(paths)) print({ ...p.summary(), kills, rate: RATE, seconds: SECONDS, ...(WINDOW > 0 ? { window: WINDOW } : {}) });

stopping = true;
await native.quit();
await alice.stop();
await gateway.daemon.stop(5000);
await server.stop();
await Promise.all([ircd.stop(), twilio.close(), sink.dispose()]);
rmSync(attachments, { recursive: true, force: true });
if (process.env.KILL9_DEBUG) process.stderr.write(`kept ${dir}\n`);
else rmSync(dir, { recursive: true, force: true });
