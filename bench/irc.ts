/**
 * IRC bridge benchmark (issue 3): throughput and latency IRC→XMPP-event and XMPP-event→IRC through
 * the adapter, against the direct IRC client-to-client path in the same run (ratios), CPU time
 * per message, and resident memory per bridged IRC user. Prints JSON lines.
 *
 *   npx vite-node bench/irc.ts            (or: npm run build && node dist/bench/irc.js)
 *   IRC_BENCH_N=2000 IRC_BENCH_USERS=100  (messages per run, bridged users for the memory figure)
 *   IRC_BENCH_RECORD=0                    (channel archive off, to see what it costs)
 *
 * ngircd runs with MaxPenaltyTime = 0 and the bridge's throttle is off, so neither is the
 * bottleneck. The XMPP side is the adapter's committed Inbound events (real SQLite outbox), not
 * a live XMPP server: the gateway end-to-end figures belong to the gateway benchmark.
 */
import type { Inbound } from '../src/core/model.js';
import { IrcBridge } from '../bridges/irc/adapter.js';
import { ircConfigSchema } from '../bridges/irc/config.js';
import { createTestContext } from '../test/helpers/bridge-context.js';
import { connectNativeIrc } from '../test/helpers/irc-native.js';
import { startNgircd } from '../test/helpers/irc-ngircd.js';
import { waitFor } from '../test/helpers/wait.js';

const N = Number(process.env.IRC_BENCH_N ?? 1000);
const USERS = Number(process.env.IRC_BENCH_USERS ?? 50);
const LAT = Number(process.env.IRC_BENCH_LATENCY_SAMPLES ?? 200);

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
}

function print(obj: object): void {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

async function main(): Promise<void> {
  const ircd = await startNgircd({ maxPenaltyTime: 0 });
  const t = await createTestContext({ id: 'irc', domain: 'irc.bench', domains: ['bench.example'] });
  const delivered = new Map<string, number>();
  const origDeliver = t.ctx.deliver.bind(t.ctx);
  t.ctx.deliver = async (event: Inbound, options) => {
    const r = await origDeliver(event, options);
    if (event.kind === 'message') delivered.set(event.body, performance.now());
    return r;
  };
  const config = ircConfigSchema.parse({
    networks: { bench: { servers: [{ host: '127.0.0.1', port: ircd.port, tls: false }], throttle: { lines_per_second: 0, max_queue: 1_000_000 } } },
    server_messages: false,
    // IRC_BENCH_RECORD=0: no archive (join history / MAM), to measure its cost.
    record_history: process.env.IRC_BENCH_RECORD !== '0',
    limits: { connections_per_user: 10, connections_total: 100_000 },
  });
  const bridge = new IrcBridge(t.ctx, config);
  await bridge.start();
  const user = 'bench@bench.example';
  const chan = '#bench';
  const a = await connectNativeIrc(ircd.port, 'NativeA');
  const bNative = await connectNativeIrc(ircd.port, 'NativeB');
  a.client.join(chan);
  bNative.client.join(chan);
  await a.expect('join', (e) => e.nick === 'NativeB');
  await bridge.send({ kind: 'join', user, resource: 'r', to: `${chan}%bench`, nick: 'Bridged' });
  await bNative.expect('join', (e) => e.nick === 'Bridged');

  const recvB = new Map<string, number>();
  bNative.client.on('message', (e) => recvB.set(String(e.message), performance.now()));

  /** Burst of N for throughput, then LAT one-at-a-time round trips for latency. */
  async function measure(name: string, send: (body: string) => void | Promise<unknown>, received: Map<string, number>) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < N; i++) await send(`${name} ${i}`);
    await waitFor(() => received.has(`${name} ${N - 1}`), `${name} burst`, 120_000);
    const elapsed = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const lat: number[] = [];
    for (let i = 0; i < LAT; i++) {
      const body = `${name} lat ${i}`;
      const at = performance.now();
      await send(body);
      await waitFor(() => received.has(body), `${name} latency`, 10_000);
      lat.push(received.get(body)! - at);
    }
    lat.sort((x, y) => x - y);
    return {
      bench: 'irc',
      name,
      messages: N,
      msgs_per_s: Math.round((N / elapsed) * 1000),
      process_cpu_us_per_msg: Math.round((cpu.user + cpu.system) / N),
      p50_ms: Number(pct(lat, 50).toFixed(3)),
      p99_ms: Number(pct(lat, 99).toFixed(3)),
    };
  }

  const direct = await measure('direct irc→irc', (b) => a.client.say(chan, b), recvB);
  print(direct);
  const toXmpp = await measure('irc→xmpp-event via adapter', (b) => a.client.say(chan, b), delivered);
  print({ ...toXmpp, rate_vs_direct: Number((toXmpp.msgs_per_s / direct.msgs_per_s).toFixed(2)), p50_vs_direct: Number((toXmpp.p50_ms / direct.p50_ms).toFixed(2)) });
  let seq = 0;
  const toIrc = await measure(
    'xmpp-event→irc via adapter',
    (body) => bridge.send({ kind: 'message', user, resource: 'r', to: `${chan}%bench`, type: 'groupchat', body, id: `m${seq++}`, receiptRequested: false }),
    recvB,
  );
  print({ ...toIrc, rate_vs_direct: Number((toIrc.msgs_per_s / direct.msgs_per_s).toFixed(2)), p50_vs_direct: Number((toIrc.p50_ms / direct.p50_ms).toFixed(2)) });

  // Resident memory per bridged IRC user (one connection and one channel each).
  {
    global.gc?.();
    const before = process.memoryUsage().rss;
    for (let i = 0; i < USERS; i++) {
      await bridge.send({ kind: 'join', user: `m${i}@bench.example`, resource: 'r', to: `#mem${i}%bench`, nick: `Mem${i}` });
    }
    global.gc?.();
    const after = process.memoryUsage().rss;
    print({ bench: 'irc', name: 'rss per bridged IRC user', users: USERS, kb_per_user: Math.round((after - before) / USERS / 1024), note: 'includes the test process share of SQLite cache growth' });
  }

  await a.quit();
  await bNative.quit();
  await bridge.stop();
  await new Promise((r) => setTimeout(r, 200));
  await t.close();
  await ircd.stop();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
