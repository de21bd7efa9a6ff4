/**
 * Idle memory with only the IRC bridge (issue 15), next to biboumi's, in one run against the same
 * Prosody and ngircd. Each gateway is freshly started `--samples` times with no user:
 *
 *   - VmRSS, settled (the median over the samples), for each gateway;
 *   - Switchboard's V8 heap after a forced GC (node --expose-gc and its bench probe);
 *   - the npm packages and own files the Switchboard process resolved (an ESM resolve hook,
 *     test/fixtures/module-log/: a package's internal CommonJS requires are not listed, its entry is);
 *   - what each of those packages costs (VmRSS and heap after GC, in a bare node with the gateway's
 *     flags): alone, and at the margin (all of them against all but it); and zod's smaller build
 *     `zod/mini` next to zod, alone.
 *
 *   npm run build && node dist/bench/idle.js [--samples 3] [--base DIR]
 *
 * `--base DIR`: another built checkout of Switchboard too (its dist/), e.g. the commit before a
 * change, for a before/after in the same run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { GATEWAY_NODE_FLAGS } from '../test/helpers/gateway-daemon.js';
import { loadedModules, moduleLogging } from '../test/helpers/module-log.js';
import { repoRoot } from '../test/helpers/repo.js';
import { sleep } from '../test/helpers/wait.js';
import { biboumi, switchboard, type Gateway, type GatewayStarter } from './lib/irc-gateways.js';
import { startIrcBenchEnv } from './lib/irc-env.js';
import { jsonLines } from './lib/output.js';
import { MiB } from './lib/probe.js';
import { vmRssMiB } from './lib/proc.js';
import { ratio, round } from './lib/stats.js';

const { values: args } = parseArgs({
  options: { samples: { type: 'string', default: '3' }, base: { type: 'string' } },
  // `npm run bench` passes every script the same arguments.
  strict: false,
});
const SAMPLES = Math.max(1, Number(args.samples));
const BASE = typeof args.base === 'string' ? resolve(args.base) : undefined;
const print = jsonLines('idle');
const log = (text: string): void => void process.stderr.write(`[idle bench ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** VmRSS `samples` times, each of a fresh gateway settled for 2 s; and the last one's heap after GC. */
async function idle(gw: Gateway, label: string, probe: boolean): Promise<{ rss: number; heap?: number }> {
  const rss: number[] = [];
  let heap: number | undefined;
  for (let i = 0; i < SAMPLES; i++) {
    const running = await gw.start(probe ? { probe: true } : {});
    try {
      await sleep(2000);
      rss.push(vmRssMiB(running.pid));
      if (running.probe) heap = MiB((await running.probe.memory()).heap_used);
    } finally {
      await running.stop();
    }
  }
  const line = {
    kind: 'idle',
    gateway: label,
    vmrss_mib: round(median(rss)),
    samples: rss.map((r) => round(r)),
    ...(heap !== undefined ? { heap_after_gc_mib: round(heap) } : {}),
  };
  print(line);
  return { rss: median(rss), ...(heap !== undefined ? { heap } : {}) };
}

/**
 * VmRSS and heap after GC of a bare node with the gateway's flags that imported `specifiers`
 * (none: bare); the median VmRSS of 3 processes (single readings vary by ±1 MiB).
 */
function importCost(specifiers: readonly string[]): { rss: number; heap: number } {
  const script = `${specifiers.map((s) => `await import(${JSON.stringify(s)});`).join('')} gc(); gc(); const m = process.memoryUsage();
    process.stdout.write(JSON.stringify({ rss: m.rss, heap: m.heapUsed }));`;
  const runs = [0, 1, 2].map(() => {
    const out = execFileSync(process.execPath, [...GATEWAY_NODE_FLAGS, '--expose-gc', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      cwd: repoRoot(),
    });
    return JSON.parse(out) as { rss: number; heap: number };
  });
  const m = runs.sort((a, b) => a.rss - b.rss)[1]!;
  return { rss: MiB(m.rss), heap: MiB(m.heap) };
}

async function main(): Promise<void> {
  const cleanups: Array<() => Promise<void>> = [];
  const root = mkdtempSync(join(tmpdir(), 'switchboard-bench-idle-'));
  cleanups.push(async () => rmSync(root, { recursive: true, force: true }));
  try {
    print({ kind: 'setup', node: process.version, samples: SAMPLES, loadavg_1m: round(loadavg()[0]!, 2), base: BASE ?? null });
    const env = await startIrcBenchEnv(root, cleanups);

    log('biboumi');
    const bb = await idle(biboumi(env, true), 'biboumi', false);
    log('switchboard');
    const sb = await idle(switchboard(env, true), 'switchboard', true);
    print({ kind: 'ratio switchboard/biboumi', vmrss: ratio(sb.rss, bb.rss) });
    if (BASE) {
      log(`switchboard at ${BASE}`);
      const { startGatewayDaemon: baseStart } = (await import(join(BASE, 'dist/test/helpers/gateway-daemon.js'))) as { startGatewayDaemon: GatewayStarter };
      // The base may have no bench probe: VmRSS only.
      const base = await idle(switchboard(env, true, undefined, baseStart), 'switchboard-base', false);
      print({ kind: 'ratio switchboard/switchboard-base', vmrss: ratio(sb.rss, base.rss) });
    }

    log('what the gateway loads');
    const file = join(root, 'modules.txt');
    const logging = moduleLogging(file);
    const running = await switchboard(env, true).start({ nodeArgs: logging.nodeArgs, env: logging.env });
    await running.stop();
    const { packages, urls, own } = loadedModules(file);
    print({ kind: 'loaded', packages, own_files: own.length });

    // Alone, a package also pays for what any first package pays (the CommonJS loader, …);
    // its marginal cost is what the gateway's whole set costs with it over without it.
    log('import cost of each package');
    const bare = importCost([]);
    const all = Object.values(urls).flat();
    const whole = importCost(all);
    print({
      kind: 'import-cost',
      bare_node: { vmrss_mib: round(bare.rss), heap_mib: round(bare.heap) },
      all_loaded_packages: { vmrss_mib: round(whole.rss), heap_mib: round(whole.heap) },
    });
    for (const pkg of packages) {
      const alone = importCost(urls[pkg]!);
      const without = importCost(all.filter((u) => !urls[pkg]!.includes(u)));
      print({
        kind: 'import-cost',
        module: pkg,
        alone_vmrss_mib: round(alone.rss - bare.rss),
        alone_heap_mib: round(alone.heap - bare.heap),
        marginal_vmrss_mib: round(whole.rss - without.rss),
        marginal_heap_mib: round(whole.heap - without.heap),
      });
    }
    // zod's smaller build, alone, next to zod alone.
    for (const specifier of ['zod', 'zod/mini']) {
      const alone = importCost([specifier]);
      print({ kind: 'import-cost', module: specifier, alone_vmrss_mib: round(alone.rss - bare.rss), alone_heap_mib: round(alone.heap - bare.heap) });
    }
    print({ kind: 'done', loadavg_1m: round(loadavg()[0]!, 2) });
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => log(`cleanup: ${(err as Error).message}`));
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
await main();
