/**
 * Where the email bridge's inbound CPU goes, for this build and (`--base DIR`) another built
 * checkout: for each, a child process under node --cpu-prof loads THAT checkout's email bridge
 * and test context (the same as bench/email.ts: real SQLite store, durable commit) and takes
 * `--messages` mails from the raw pipelining clients of bench/lib/smtp-blast.ts (worker
 * threads started before the burst, not profiled here); the summary covers the ingest burst only (bench/lib/cpuprofile.ts), in µs of
 * self time per message by file and by function, then the files whose cost differs most.
 *
 *   npm run build && node dist/bench/email-profile.js [--base /work/base] [--messages 4000]
 *       [--clients 16] [--sync full|normal] [--top 25]
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { summarizeCpuProfile, type ProfileSummary } from './lib/cpuprofile.js';
import { jsonLines } from './lib/output.js';
import { cpuTimeMs } from './lib/proc.js';
import { benchMail, startBlasters } from './lib/smtp-blast.js';
import { round } from './lib/stats.js';

const { values: args } = parseArgs({
  options: {
    base: { type: 'string' },
    messages: { type: 'string', default: '4000' },
    clients: { type: 'string', default: '16' },
    sync: { type: 'string', default: 'full' },
    top: { type: 'string', default: '25' },
    prof: { type: 'string', default: 'on' },
    path: { type: 'string', default: 'smtp' },
    child: { type: 'string' },
  },
});
const print = jsonLines('email-profile');
const MESSAGES = Number(args.messages);
/** `--prof off`: the CPU figures without the profiler's own cost, and no profile. */
const PROF = args.prof !== 'off';
/** `--path ingest`: behind the SMTP listener only (Ingest.accept called directly, no sockets, no clients). */
const PATH = args.path === 'ingest' ? 'ingest' : 'smtp';
const CLIENTS = Number(args.clients);
const HERE = fileURLToPath(new URL('.', import.meta.url));
const THIS_ROOT = resolve(HERE, '../..');
const WORKERS = 2;

interface Burst {
  fromUs: number;
  toUs: number;
  msgs_per_s: number;
  /** CPU µs per message of the whole process (client workers, libuv pool, GC threads included). */
  process_cpu_us_per_msg: number;
  /** Of which system time. */
  process_sys_us_per_msg: number;
  /** CPU µs per message of the main thread alone (the gateway: SMTP server, parse, commit). */
  main_thread_cpu_us_per_msg: number;
}

type Mod = Record<string, unknown>;

/** CPU time of this process's main thread alone (its task's /proc stat; Linux only). */
const mainThreadCpuMs = (): number => cpuTimeMs(`${process.pid}/task/${process.pid}`);
const load = async (root: string, path: string): Promise<Mod> => (await import(join(root, 'dist', path))) as Mod;

/** The mail the SMTP clients send (smtp-blast.ts), as the listener hands it on. */
const mailRaw = (i: number): Buffer => Buffer.from(benchMail('prof', i, i % CLIENTS, process.pid));

interface Taker {
  /** Takes `count` mails (numbered from `first`) with CLIENTS at a time; resolves when all are committed. */
  take(first: number, count: number): Promise<void>;
  close(): Promise<void>;
}

/** The whole listener: the raw pipelining SMTP clients (bench/lib/smtp-blast.ts), started before the burst. */
async function smtpTaker(bridge: { listener: { port?: number } }): Promise<Taker> {
  const blasters = await startBlasters(WORKERS);
  return {
    take: async (first, count) => void (await blasters.blast(bridge.listener.port!, `p${first}`, CLIENTS, count)),
    close: () => blasters.close(),
  };
}

/** Behind the listener only: the checkout's Ingest.accept (parse, threads, deliver, commit), CLIENTS at a time. */
async function ingestTaker(root: string, ctx: unknown, config: { attachments: { dir: string } }): Promise<Taker> {
  const { Ingest } = (await load(root, 'bridges/email/ingest.js')) as { Ingest: new (ctx: unknown, config: unknown, att: unknown) => { accept(m: unknown): Promise<void> } };
  const { AttachmentStore } = (await load(root, 'bridges/email/attachments.js')) as { AttachmentStore: new (dir: string, http: unknown, kv: unknown) => unknown };
  const c = ctx as { http: unknown; kv: unknown };
  const ingest = new Ingest(ctx, config, new AttachmentStore(config.attachments.dir, c.http, c.kv));
  return {
    take: async (first, count) => {
      let next = first;
      await Promise.all(
        Array.from({ length: CLIENTS }, async (_v, k) => {
          for (let i = next++; i < first + count; i = next++) {
            await ingest.accept({ raw: mailRaw(i), users: [`user${i % 20}@example.org`], envelopeFrom: `sender${k}@example.com` });
          }
        }),
      );
    },
    close: async () => undefined,
  };
}

/** Child side: the checkout at `root` takes MESSAGES mails; prints the burst's window as JSON. */
async function child(root: string): Promise<void> {
  const { EmailBridge } = (await load(root, 'bridges/email/adapter.js')) as { EmailBridge: new (ctx: unknown, config: unknown) => { start(): Promise<void>; stop(): Promise<void>; listener: { port?: number } } };
  const { emailConfigSchema } = (await load(root, 'bridges/email/config.js')) as { emailConfigSchema: { parse(v: unknown): { attachments: { dir: string } } } };
  const { createTestContext } = (await load(root, 'test/helpers/bridge-context.js')) as { createTestContext(o: unknown): Promise<{ ctx: unknown; close(): Promise<void> }> };
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-email-prof-'));
  const t = await createTestContext({ id: 'email', domain: 'mail.example.org', domains: ['example.org'], publicUrl: 'https://gw.example.org', synchronous: args.sync === 'normal' ? 'normal' : 'full' });
  const config = emailConfigSchema.parse({
    addresses: { pattern: '{local}@mail.example.org', user_domain: 'example.org' },
    smtp: { host: '127.0.0.1', port: 0, max_connections_per_ip: 1000, max_messages_per_minute_per_ip: 10_000_000 },
    attachments: { dir: join(dir, 'files') },
    authentication: { verify: false },
  });
  const bridge = new EmailBridge(t.ctx, config);
  await bridge.start();
  const taker = PATH === 'ingest' ? await ingestTaker(root, t.ctx, config) : await smtpTaker(bridge);
  try {
    const warm = Math.min(500, MESSAGES);
    await taker.take(MESSAGES, warm);
    const fromUs = Number(process.hrtime.bigint() / 1000n);
    const cpu0 = process.cpuUsage();
    const main0 = mainThreadCpuMs();
    const started = process.hrtime.bigint();
    await taker.take(0, MESSAGES);
    const rate = MESSAGES / (Number(process.hrtime.bigint() - started) / 1e9);
    const cpu = process.cpuUsage(cpu0);
    const burst: Burst = {
      fromUs,
      toUs: Number(process.hrtime.bigint() / 1000n),
      msgs_per_s: rate,
      process_cpu_us_per_msg: round((cpu.user + cpu.system) / MESSAGES),
      process_sys_us_per_msg: round(cpu.system / MESSAGES),
      main_thread_cpu_us_per_msg: round(((mainThreadCpuMs() - main0) * 1000) / MESSAGES),
    };
    process.stdout.write(`${JSON.stringify(burst)}\n`);
  } finally {
    await taker.close();
    await bridge.stop();
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Parent side: one profiled child for the checkout at `root`; its summary per message. */
function profile(side: string, root: string): Promise<ProfileSummary & Burst> {
  const profDir = mkdtempSync(join(tmpdir(), `sb-email-prof-${side}-`));
  const argv = [...(PROF ? ['--cpu-prof', '--cpu-prof-dir', profDir] : []), join(HERE, 'email-profile.js'), '--child', root, '--messages', String(MESSAGES), '--clients', String(CLIENTS), '--sync', args.sync!, '--path', PATH];
  return new Promise((done, fail) => {
    execFile(process.execPath, argv, { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) return fail(new Error(`${side}: ${stderr}`, { cause: err }));
      const burst = JSON.parse(stdout.trim().split('\n').pop()!) as Burst;
      if (!PROF) {
        rmSync(profDir, { recursive: true, force: true });
        return done({ total_ms: 0, top_functions: [], top_files: [], ...burst });
      }
      // The main thread's profile: node names them CPU.<date>.<time>.<pid>.<threadId>.<seq>.cpuprofile.
      const main = readdirSync(profDir).find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f));
      if (!main) return fail(new Error(`${side}: no main-thread .cpuprofile in ${profDir}`));
      const summary = summarizeCpuProfile(join(profDir, main), Number(args.top), burst);
      rmSync(profDir, { recursive: true, force: true });
      done({ ...summary, ...burst });
    });
  });
}

const perMsg = (ms: number): number => round((ms * 1000) / MESSAGES, 1);

async function main(): Promise<void> {
  const sides: Array<[string, string]> = [['this', THIS_ROOT]];
  if (args.base) sides.unshift(['base', resolve(args.base)]);
  const files = new Map<string, Record<string, number>>();
  for (const [side, root] of sides) {
    const s = await profile(side, root);
    print({
      kind: 'profile',
      side,
      root,
      path: PATH,
      messages: MESSAGES,
      msgs_per_s: round(s.msgs_per_s),
      process_cpu_us_per_msg: s.process_cpu_us_per_msg,
      process_sys_us_per_msg: s.process_sys_us_per_msg,
      main_thread_cpu_us_per_msg: s.main_thread_cpu_us_per_msg,
      window_ms: s.total_ms,
      note: 'self time in µs per message during the burst; (idle) and (program) included',
      top_files: s.top_files.map((f) => ({ file: f.file, us_per_msg: perMsg(f.self_ms) })),
      top_functions: s.top_functions.map((f) => ({ fn: f.fn, us_per_msg: perMsg(f.self_ms) })),
    });
    for (const f of s.top_files) files.set(f.file, { ...files.get(f.file), [side]: perMsg(f.self_ms) });
  }
  if (!args.base) return;
  const diff = [...files.entries()]
    .map(([file, v]) => ({ file, base: v.base ?? 0, this: v.this ?? 0, delta: round((v.this ?? 0) - (v.base ?? 0), 1) }))
    .filter((d) => d.file !== '(idle)')
    .sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta));
  print({ kind: 'profile-diff', unit: 'µs self time per message (this - base)', files: diff });
}

if (args.child) await child(resolve(args.child));
else await main();
