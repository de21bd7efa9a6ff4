/**
 * Email bridge benchmark (issue 5). Prints JSON lines:
 *  - inbound messages/s over SMTP into the bridge with durable commit (SQLite; `--sync full`
 *    fsyncs every commit, `normal` survives a process crash), from ≥10 parallel nodemailer SMTP
 *    clients running in worker threads (so they do not share the gateway's event loop);
 *  - the same clients against a bare smtp-server that only answers 250 (the floor), and the ratio;
 *  - outbound messages/s from Bridge.send to the python3-aiosmtpd Maildir sink, and to the bare sink.
 *
 * Run: npx tsc -p . && node dist/bench/email.js [--clients 16] [--messages 4000] [--sync full|normal]
 *      [--client raw|nodemailer]   (raw: a pipelining SMTP client, so the clients cost little CPU)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { EmailBridge } from '../bridges/email/adapter.js';
import { emailConfigSchema } from '../bridges/email/config.js';
import { noDelaySocket } from '../bridges/email/relay-socket.js';
import { createTestContext, type TestBridgeContext } from '../test/helpers/bridge-context.js';
import { startSmtpSink } from '../test/helpers/email-smtp-sink.js';
import { arg } from './lib/args.js';
import { metricLines } from './lib/output.js';
import { rawClient } from './lib/smtp-raw.js';


const CLIENTS = Number(arg('clients', '16'));
const MESSAGES = Number(arg('messages', '4000'));
const SYNC = arg('sync', 'full') === 'normal' ? 'normal' : 'full';
const CLIENT = arg('client', 'raw') === 'nodemailer' ? 'nodemailer' : 'raw';
const WORKERS = 2;
const USERS = 20;

interface ClientJob {
  kind: 'raw' | 'nodemailer';
  port: number;
  label: string;
  clients: number;
  first: number;
  count: number;
}

const emit = metricLines('email');

async function runClients(job: ClientJob): Promise<void> {
  if (job.kind === 'raw') {
    let n = 0;
    const take = (): number | undefined => (n < job.count ? job.first + n++ : undefined);
    await Promise.all(Array.from({ length: job.clients }, (_v, c) => rawClient(job, c, take)));
    return;
  }
  const transports = Array.from({ length: job.clients }, () =>
    nodemailer.createTransport({ host: '127.0.0.1', port: job.port, ignoreTLS: true, pool: true, maxConnections: 1, maxMessages: Infinity, getSocket: noDelaySocket() }),
  );
  let next = 0;
  await Promise.all(
    transports.map(async (t, c) => {
      for (;;) {
        const n = next++;
        if (n >= job.count) return;
        const i = job.first + n;
        await t.sendMail({
          from: `sender${c}@example.com`,
          to: `user${i % USERS}@mail.example.org`,
          subject: `bench ${job.label} ${i}`,
          messageId: `<${job.label}-${i}-${process.pid}@example.com>`,
          text: `message ${i} from client ${c}\n\nOn Monday someone wrote:\n> an old quote\n`,
        });
      }
    }),
  );
  for (const t of transports) t.close();
}

/** Main side: MESSAGES mails from CLIENTS clients spread over WORKERS threads; returns messages/s. */
async function blast(port: number, label: string): Promise<number> {
  const started = process.hrtime.bigint();
  const per = Math.ceil(MESSAGES / WORKERS);
  await Promise.all(
    Array.from({ length: WORKERS }, (_v, w) => {
      const job: ClientJob = { kind: CLIENT, port, label, clients: Math.ceil(CLIENTS / WORKERS), first: w * per, count: Math.min(per, MESSAGES - w * per) };
      const worker = new Worker(new URL(import.meta.url), { workerData: job });
      return new Promise<void>((resolve, reject) => {
        worker.once('message', () => resolve());
        worker.once('error', reject);
      }).finally(() => void worker.terminate());
    }),
  );
  return MESSAGES / (Number(process.hrtime.bigint() - started) / 1e9);
}

async function bareSink(): Promise<{ port: number; close(): Promise<void> }> {
  const server = new SMTPServer({
    disabledCommands: ['AUTH', 'STARTTLS'],
    hideSTARTTLS: true,
    authOptional: true,
    disableReverseLookup: true,
    logger: false,
    onData(stream, _session, cb) {
      stream.on('data', () => undefined);
      stream.on('end', () => cb(null, 'OK'));
    },
  });
  server.server.on('connection', (socket: import('node:net').Socket) => socket.setNoDelay(true));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { port: (server.server.address() as AddressInfo).port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The real BridgeContext (store with the chosen durability, HTTP) without an XMPP server. */
function benchContext(): Promise<TestBridgeContext> {
  return createTestContext({ id: 'email', domain: 'mail.example.org', domains: ['example.org'], publicUrl: 'https://gw.example.org', synchronous: SYNC });
}

async function outbound(relayPort: number, dir: string, label: string): Promise<number> {
  const t = await benchContext();
  const config = emailConfigSchema.parse({
    addresses: { pattern: '{local}@mail.example.org', user_domain: 'example.org' },
    smtp: { enabled: false },
    relay: { host: '127.0.0.1', port: relayPort, max_connections: CLIENTS },
    attachments: { dir: join(dir, `files-out-${label}`) },
    rate_limit_per_minute: 10_000_000,
  });
  const bridge = new EmailBridge(t.ctx, config);
  await bridge.start();
  const count = Math.min(MESSAGES, 2000);
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_v, c) => {
      for (;;) {
        const i = next++;
        if (i >= count) return;
        await bridge.send({ kind: 'message', type: 'chat', user: `user${c}@example.org`, to: `peer${i % 50}\\40example.com`, body: `outbound ${i}`, receiptRequested: false, id: `o${i}` });
      }
    }),
  );
  const rate = count / (Number(process.hrtime.bigint() - started) / 1e9);
  await bridge.stop();
  await t.close();
  return rate;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-email-'));
  const t = await benchContext();
  const config = emailConfigSchema.parse({
    addresses: { pattern: '{local}@mail.example.org', user_domain: 'example.org' },
    smtp: { host: '127.0.0.1', port: 0, max_connections_per_ip: 1000, max_messages_per_minute_per_ip: 10_000_000 },
    attachments: { dir: join(dir, 'files') },
    authentication: { verify: false },
  });
  const bridge = new EmailBridge(t.ctx, config);
  await bridge.start();
  const floorSink = await bareSink();
  try {
    const floorRate = await blast(floorSink.port, 'floor');
    const cpuBefore = process.cpuUsage();
    const gatewayRate = await blast(bridge.listener.port!, 'gw');
    const cpu = process.cpuUsage(cpuBefore);
    await bridge.stop();
    const committed = t.store.outbox.stats('email').pending;
    emit('inbound_floor_msgs_per_s', floorRate, { clients: CLIENTS, client: CLIENT, messages: MESSAGES });
    emit('inbound_gateway_msgs_per_s', gatewayRate, { clients: CLIENTS, client: CLIENT, messages: MESSAGES, synchronous: SYNC, committed });
    emit('inbound_ratio_to_floor', gatewayRate / floorRate);
    emit('inbound_gateway_cpu_ms_per_msg', (cpu.user + cpu.system) / 1000 / MESSAGES, { note: 'main thread + client workers of this process' });

    const sink = await startSmtpSink();
    try {
      emit('outbound_msgs_per_s', await outbound(sink.port, dir, 'aiosmtpd'), { parallel: CLIENTS, sink: 'aiosmtpd Maildir' });
    } finally {
      await sink.dispose();
    }
    emit('outbound_to_bare_sink_msgs_per_s', await outbound(floorSink.port, dir, 'bare'), { parallel: CLIENTS, sink: 'smtp-server 250' });
  } finally {
    await floorSink.close();
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMainThread) await main();
else {
  await runClients(workerData as ClientJob);
  parentPort?.postMessage('done');
}
