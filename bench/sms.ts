/**
 * SMS bridge benchmark (issue 4). Prints JSON lines:
 *  - webhooks/s accepted with durable commit: signed Twilio incoming-message webhooks over real
 *    HTTP (keep-alive) from parallel clients in worker threads, into the SMS bridge on the
 *    gateway's HTTP server and SQLite store (`--sync full` fsyncs every commit);
 *  - the same clients against a bare node:http server answering `<Response/>` (the floor), and the ratio;
 *  - end-to-end latency webhook → XMPP client (real Prosody + the built gateway; `--no-e2e` skips);
 *  - outbound messages/s from Bridge.send to the local Twilio-compatible API.
 *
 * Run: npm run build && node dist/bench/sms.js [--clients 32] [--webhooks 6000] [--sync full|normal]
 */
import { Agent, createServer, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { Element } from 'ltx';
import twilio from 'twilio';
import { SmsBridge } from '../bridges/sms/adapter.js';
import { smsConfigSchema } from '../bridges/sms/config.js';
import { inboundParams, startFakeTwilio } from '../test/helpers/sms-fake-twilio.js';
import { startGatewayDaemon } from '../test/helpers/gateway-daemon.js';
import { createTestContext } from '../test/helpers/bridge-context.js';
import { freePort } from '../test/helpers/ports.js';
import { startProsody } from '../test/helpers/prosody.js';
import { connectClient } from '../test/helpers/xmpp-client.js';
import { percentile } from './lib/stats.js';
import { arg } from './lib/args.js';
import { metricLines } from './lib/output.js';


const CLIENTS = Number(arg('clients', '32'));
const WEBHOOKS = Number(arg('webhooks', '6000'));
const SYNC = arg('sync', 'full') === 'normal' ? 'normal' : 'full';
const WORKERS = 2;
const USERS = 20;
const PUBLIC = 'https://gw.example.org';

interface ClientJob {
  postUrl: string;
  signedUrl: string;
  accountSid: string;
  authToken: string;
  clients: number;
  first: number;
  count: number;
  label: string;
}

const emit = metricLines('sms');

const userNumber = (i: number): string => `+1555000${String(1000 + (i % USERS))}`;

/** Worker side: `clients` concurrent keep-alive clients share `count` signed webhooks. */
async function runClients(job: ClientJob): Promise<void> {
  // Sign before the clock starts: signing is Twilio's cost, not the gateway's.
  const bodies = Array.from({ length: job.count }, (_v, n) => {
    const i = job.first + n;
    const params = inboundParams({ accountSid: job.accountSid, from: `+1555${String(2000000 + i)}`, to: userNumber(i), body: `bench ${job.label} ${i}`, sid: `SM${job.label}${String(i).padStart(32 - job.label.length, '0')}` });
    return { body: new URLSearchParams(params).toString(), signature: twilio.getExpectedTwilioSignature(job.authToken, job.signedUrl, params) };
  });
  parentPort?.postMessage('ready');
  await new Promise<void>((resolve) => parentPort?.once('message', () => resolve()));
  // node:http with a keep-alive agent: a cheaper client than fetch, so the floor measures servers.
  const agent = new Agent({ keepAlive: true, maxSockets: job.clients });
  const target = new URL(job.postUrl);
  const postOne = (b: { body: string; signature: string }) =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        { agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(b.body), 'x-twilio-signature': b.signature } },
        (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`webhook answered ${res.statusCode}`))));
        },
      );
      req.on('error', reject);
      req.end(b.body);
    });
  let next = 0;
  await Promise.all(
    Array.from({ length: job.clients }, async () => {
      for (;;) {
        const n = next++;
        if (n >= bodies.length) return;
        await postOne(bodies[n]!);
      }
    }),
  );
  agent.destroy();
  parentPort?.postMessage('done');
}

/** Main side: WEBHOOKS posts from CLIENTS clients over WORKERS threads; returns webhooks/s. */
async function blast(job: Omit<ClientJob, 'clients' | 'first' | 'count'>): Promise<number> {
  const per = Math.ceil(WEBHOOKS / WORKERS);
  const workers = Array.from({ length: WORKERS }, (_v, w) => new Worker(new URL(import.meta.url), {
    workerData: { ...job, clients: Math.ceil(CLIENTS / WORKERS), first: w * per, count: Math.min(per, WEBHOOKS - w * per) } satisfies ClientJob,
  }));
  const once = (w: Worker, what: string) => new Promise<void>((resolve, reject) => {
    w.once('message', (m) => (m === what ? resolve() : reject(new Error(String(m)))));
    w.once('error', reject);
  });
  await Promise.all(workers.map((w) => once(w, 'ready')));
  const started = process.hrtime.bigint();
  const done = workers.map((w) => once(w, 'done'));
  for (const w of workers) w.postMessage('go');
  await Promise.all(done);
  const rate = WEBHOOKS / (Number(process.hrtime.bigint() - started) / 1e9);
  await Promise.all(workers.map((w) => w.terminate()));
  return rate;
}

async function main(): Promise<void> {
  // Other processes on the machine skew every figure: say how busy it was.
  emit('setup_loadavg_1m', loadavg()[0] ?? 0, { cpus: cpus().length, node: process.version, synchronous: SYNC });
  const fake = await startFakeTwilio();
  // The real BridgeContext (store with the chosen durability, HTTP) without an XMPP server.
  const t = await createTestContext({ id: 'sms', domain: 'sms.example.org', domains: ['example.org'], publicUrl: PUBLIC, synchronous: SYNC, http: true });
  const numbers = Object.fromEntries(Array.from({ length: USERS }, (_v, i) => [`user${i}@example.org`, userNumber(i)]));
  const config = smsConfigSchema.parse({
    account_sid: fake.accountSid, auth_token: fake.authToken, api_base_url: fake.url, numbers,
    limits: { per_minute: 10_000_000, daily_cap: 0 }, segment_notice: { enabled: false },
  });
  const bridge = new SmsBridge(t.ctx, config);
  await bridge.start();
  const floor = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    });
  });
  await new Promise<void>((resolve) => floor.listen(0, '127.0.0.1', resolve));
  try {
    const common = { signedUrl: `${PUBLIC}/sms/inbound`, accountSid: fake.accountSid, authToken: fake.authToken };
    const floorRate = await blast({ ...common, postUrl: `http://127.0.0.1:${(floor.address() as AddressInfo).port}/sms/inbound`, label: 'F' });
    const eluBefore = performance.eventLoopUtilization();
    const gwRate = await blast({ ...common, postUrl: `${t.baseUrl}/sms/inbound`, label: 'G' });
    const elu = performance.eventLoopUtilization(eluBefore);
    const committed = t.store.outbox.stats('sms').pending;
    if (committed !== WEBHOOKS) throw new Error(`expected ${WEBHOOKS} committed, found ${committed}`);
    emit('webhook_floor_per_s', floorRate, { clients: CLIENTS, webhooks: WEBHOOKS, server: 'bare node:http <Response/>' });
    emit('webhook_gateway_per_s', gwRate, { clients: CLIENTS, webhooks: WEBHOOKS, synchronous: SYNC, committed });
    emit('webhook_ratio_to_floor', gwRate / floorRate);
    // The gateway's side runs on the main thread (the clients are workers): its busy time per webhook.
    emit('webhook_gateway_busy_ms_per_webhook', elu.active / WEBHOOKS, { event_loop_utilization: Math.round(elu.utilization * 100) / 100 });

    // Outbound: Bridge.send → Messages.create on the local Twilio-compatible server.
    const count = Math.min(WEBHOOKS, 3000);
    let next = 0;
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_v, c) => {
        for (;;) {
          const i = next++;
          if (i >= count) return;
          await bridge.send({ kind: 'message', type: 'chat', user: `user${c % USERS}@example.org`, to: `+1555300${String(1000 + (i % 500))}`, body: `outbound ${i}`, receiptRequested: true, id: `o${i}` });
        }
      }),
    );
    emit('outbound_msgs_per_s', count / (Number(process.hrtime.bigint() - started) / 1e9), { parallel: CLIENTS, api: 'local Twilio-compatible server' });
  } finally {
    await bridge.stop();
    floor.close();
    await fake.close();
    await t.close();
  }
  if (!process.argv.includes('--no-e2e')) {
    for (const line of await e2eLatency()) emit(line.metric, line.value, line.extra);
  }
}

/**
 * Webhook → XMPP client through the built gateway and a real Prosody: latency one at a time
 * (p50/p99), then end-to-end messages/s with 16 concurrent posters.
 */
async function e2eLatency(): Promise<Array<{ metric: string; value: number; extra: Record<string, unknown> }>> {
  const fake = await startFakeTwilio();
  const server = await startProsody({ components: [{ domain: 'sms.localhost', secret: 'bench-secret' }], users: [{ username: 'alice', password: 'pw' }], logLevel: 'warn' });
  const httpPort = await freePort();
  const number = '+15550001000';
  const gwDir = mkdtempSync(join(tmpdir(), 'sb-bench-sms-gw-'));
  // public_url: webhooks are signed for the public URL, not for 127.0.0.1.
  const httpConfig = { host: '127.0.0.1', port: httpPort, public_url: PUBLIC };
  const gw = await startGatewayDaemon({
    dir: gwDir,
    env: { ...process.env, TWILIO_AUTH_TOKEN: fake.authToken },
    config: {
      xmpp: { host: '127.0.0.1', port: server.componentPort },
      store: { path: join(gwDir, 'switchboard.sqlite'), synchronous: SYNC },
      http: httpConfig,
      log: { level: 'info' },
      bridges: { sms: { domain: 'sms.localhost', component_secret: 'bench-secret', access: { users: [`alice@${server.domain}`] }, options: { account_sid: fake.accountSid, auth_token: '${TWILIO_AUTH_TOKEN}', api_base_url: fake.url, numbers: { [`alice@${server.domain}`]: number } } } },
    },
  });
  const alice = await connectClient(server, 'alice', 'pw');
  const arrived = new Map<string, number>();
  const waiters = new Map<string, () => void>();
  alice.xmpp.on('stanza', (el: Element) => {
    const body = el.getChildText('body');
    if (body === null) return;
    arrived.set(body, performance.now());
    waiters.get(body)?.();
  });
  const post = async (body: string, i: number) => {
    const params = inboundParams({ accountSid: fake.accountSid, from: `+1555${String(4000000 + i)}`, to: number, body });
    const res = await fetch(`http://127.0.0.1:${httpPort}/sms/inbound`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(fake.authToken, `${PUBLIC}/sms/inbound`, params) }, body: new URLSearchParams(params).toString() });
    await res.text();
  };
  const out: Array<{ metric: string; value: number; extra: Record<string, unknown> }> = [];
  try {
    const latencies: number[] = [];
    for (let i = 0; i < 300; i += 1) {
      const body = `lat-${i}`;
      const got = new Promise<void>((resolve) => waiters.set(body, resolve));
      const t0 = performance.now();
      await post(body, i);
      await got;
      latencies.push((arrived.get(body) ?? t0) - t0);
    }
    latencies.sort((a, b) => a - b);
    out.push({ metric: 'e2e_latency_p50_ms', value: percentile(latencies, 50), extra: { n: latencies.length, path: 'signed webhook → commit → Prosody → client' } });
    out.push({ metric: 'e2e_latency_p99_ms', value: percentile(latencies, 99), extra: { n: latencies.length } });
    const n = 3000;
    let next = 0;
    const t0 = performance.now();
    const last = new Promise<void>((resolve) => {
      let seen = 0;
      for (let i = 0; i < n; i += 1) waiters.set(`tp-${i}`, () => (++seen === n ? resolve() : undefined));
    });
    await Promise.all(Array.from({ length: 16 }, async () => {
      for (;;) {
        const i = next++;
        if (i >= n) return;
        await post(`tp-${i}`, 10_000 + i);
      }
    }));
    await last;
    out.push({ metric: 'e2e_webhook_to_client_msgs_per_s', value: (n * 1000) / (performance.now() - t0), extra: { n, posters: 16, synchronous: SYNC } });
  } finally {
    await alice.stop();
    await gw.daemon.stop();
    rmSync(gwDir, { recursive: true, force: true });
    await server.stop();
    await fake.close();
  }
  return out;
}

if (isMainThread) await main();
else await runClients(workerData as ClientJob);
