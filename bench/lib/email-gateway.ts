/**
 * One side of bench/email-ab.ts: a process running the email bridge of the built checkout at
 * ROOT (its own dist/: EmailBridge, config schema and test context: the real SQLite store, no
 * XMPP server), so that two builds are driven by the same harness and only the gateway differs.
 *
 *   node email-gateway.js ROOT inbound SYNC            prints {"port":N}; takes mail until a
 *                                                      "stop" line on stdin, then prints
 *                                                      {"committed":N} and exits; a "count"
 *                                                      line is answered {"commits":C,"walSyncs":S}
 *   node email-gateway.js ROOT outbound SYNC PORT N P  Bridge.send of N mails, P at a time, to
 *                                                      the relay on PORT; prints
 *                                                      {"msgs_per_s":R,"cpu_us_per_msg":C}
 *
 * The modules are ROOT's own, loaded by path: their shapes are the few members used here.
 *
 * Counted in the process, the same way for any checkout (none of its code changed): the store's
 * COMMITs (every group commit runs `db.exec('COMMIT')` on ROOT's better-sqlite3) and the group
 * commit's WAL syncs (`fs.fdatasync`, the only caller in the gateway). SQLite's own fsyncs inside
 * a checkpoint are not among them (strace -f -e trace=fsync,fdatasync sees both).
 */
import fs, { mkdtempSync, rmSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

interface BenchBridge {
  start(): Promise<void>;
  stop(): Promise<void>;
  send(event: unknown): Promise<unknown>;
  listener: { port?: number };
}
interface BenchContext {
  ctx: unknown;
  store: { outbox: { stats(bridge: string): { pending: number } } };
  close(): Promise<void>;
}

const [root, mode, sync, relayPort, count, parallel] = process.argv.slice(2);
if (!root || (mode !== 'inbound' && mode !== 'outbound')) throw new Error('usage: email-gateway.js ROOT inbound|outbound SYNC [PORT N P]');

const counts = { commits: 0, walSyncs: 0 };
const fdatasync = fs.fdatasync;
fs.fdatasync = ((fd: number, callback: (err: NodeJS.ErrnoException | null) => void) => {
  counts.walSyncs += 1;
  fdatasync(fd, callback);
}) as typeof fs.fdatasync;
// The named export ROOT's store imports (`import { fdatasync } from 'node:fs'`) follows the patch.
syncBuiltinESMExports();
const sqlite = createRequire(join(root, 'package.json'))('better-sqlite3') as { prototype: { exec(sql: string): unknown } };
const exec = sqlite.prototype.exec;
sqlite.prototype.exec = function (this: unknown, sql: string) {
  if (sql === 'COMMIT') counts.commits += 1;
  return exec.call(this, sql);
};

const load = async <T>(path: string): Promise<T> => (await import(join(root, 'dist', path))) as T;
const { EmailBridge } = await load<{ EmailBridge: new (ctx: unknown, config: unknown) => BenchBridge }>('bridges/email/adapter.js');
const { emailConfigSchema } = await load<{ emailConfigSchema: { parse(v: unknown): unknown } }>('bridges/email/config.js');
const { createTestContext } = await load<{ createTestContext(o: unknown): Promise<BenchContext> }>('test/helpers/bridge-context.js');

const dir = mkdtempSync(join(tmpdir(), 'sb-bench-email-gw-'));
const t = await createTestContext({ id: 'email', domain: 'mail.example.org', domains: ['example.org'], publicUrl: 'https://gw.example.org', synchronous: sync === 'normal' ? 'normal' : 'full' });
const say = (line: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(line)}\n`);

try {
  if (mode === 'inbound') {
    const bridge = new EmailBridge(
      t.ctx,
      emailConfigSchema.parse({
        addresses: { pattern: '{local}@mail.example.org', user_domain: 'example.org' },
        smtp: { host: '127.0.0.1', port: 0, max_connections_per_ip: 1000, max_messages_per_minute_per_ip: 10_000_000 },
        attachments: { dir: join(dir, 'files') },
        authentication: { verify: false },
      }),
    );
    await bridge.start();
    say({ port: bridge.listener.port });
    const lines = createInterface({ input: process.stdin });
    for await (const line of lines) {
      if (line.trim() === 'stop') break;
      if (line.trim() === 'count') say(counts);
    }
    lines.close();
    await bridge.stop();
    say({ committed: t.store.outbox.stats('email').pending });
  } else {
    const n = Number(count);
    const bridge = new EmailBridge(
      t.ctx,
      emailConfigSchema.parse({
        addresses: { pattern: '{local}@mail.example.org', user_domain: 'example.org' },
        smtp: { enabled: false },
        relay: { host: '127.0.0.1', port: Number(relayPort), max_connections: Number(parallel) },
        attachments: { dir: join(dir, 'files-out') },
        rate_limit_per_minute: 10_000_000,
      }),
    );
    await bridge.start();
    let next = 0;
    const cpu0 = process.cpuUsage();
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: Number(parallel) }, async (_v, c) => {
        for (let i = next++; i < n; i = next++) {
          await bridge.send({ kind: 'message', type: 'chat', user: `user${c}@example.org`, to: `peer${i % 50}\\40example.com`, body: `outbound ${i}`, receiptRequested: false, id: `o${i}` });
        }
      }),
    );
    const rate = n / (Number(process.hrtime.bigint() - started) / 1e9);
    const cpu = process.cpuUsage(cpu0);
    await bridge.stop();
    say({ msgs_per_s: rate, cpu_us_per_msg: (cpu.user + cpu.system) / n });
  }
} finally {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
}
