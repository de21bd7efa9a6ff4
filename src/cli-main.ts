/**
 * The CLI proper (src/cli.ts is the entry point that loads it).
 * `switchboard [run] --config FILE` runs the gateway; `switchboard check-config FILE` validates a
 * config and exits 0 or 1. Exit codes: 0 clean stop, 1 bad config, 2 fatal XMPP start-up error.
 */
import { builtinBridges } from '../bridges/index.js';
import { compileCacheStatus } from './compile-cache.js';
import { ConfigError, loadConfig } from './config.js';
import { generateSecretKey, parseSecretKey, readSecretKeyFile } from './core/secrets.js';
import { createLogger } from './log.js';
import { Gateway } from './runtime.js';
import { FatalComponentError } from './xmpp/component.js';
import { SOFTWARE } from './core/software.js';

// What a configuration may not use is imported where it is used: the PostgreSQL store (the pg
// driver, failover, migrate-store, rotate-secrets) cost an idle gateway on SQLite 4.6 MiB of RSS
// for nothing (75.4 -> 70.8 MiB with only the IRC bridge; issue 15, bench/idle.ts).

const USAGE = `Usage:
  switchboard [run] --config FILE     run the gateway
  switchboard check-config FILE       validate FILE and exit (0 = valid, 1 = problems)
  switchboard migrate-store --from FILE.sqlite --to postgres://… [--force]
                                      copy a SQLite store into PostgreSQL (stop the gateway first)
  switchboard generate-secret-key     print a new key for \`secrets\` (32 random bytes, base64)
  switchboard rotate-secrets --config FILE (--old-key FILE | --old-key-env VAR)
                                      re-seal users' stored secrets from the old key to the
                                      config's key (stop the gateway first)
  switchboard stop [--final] --pid PID
                                      stop a running gateway (SIGTERM); --final (SIGUSR2) also ends
                                      every joined room for its users (not rejoined at the next start)
  switchboard --version | --help`;

function argValue(args: string[], ...names: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    for (const n of names) {
      if (a === n) return args[i + 1];
      if (a.startsWith(`${n}=`)) return a.slice(n.length + 1);
    }
  }
  return undefined;
}

async function checkConfig(file: string | undefined): Promise<number> {
  if (!file) {
    console.error(USAGE);
    return 1;
  }
  try {
    const config = await loadConfig(file, builtinBridges);
    console.log(`${file}: valid (${config.bridges.map((b) => `${b.id} on ${b.entry.domain}`).join(', ') || 'no bridges enabled'})`);
    return 0;
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : `${file}: ${(err as Error).message}`);
    return 1;
  }
}

async function migrateStoreCommand(args: string[]): Promise<number> {
  const from = argValue(args, '--from');
  const to = argValue(args, '--to');
  if (!from || !to || !/^postgres(ql)?:\/\//.test(to)) {
    console.error(`switchboard migrate-store: --from FILE.sqlite and --to postgres://… are required\n${USAGE}`);
    return 1;
  }
  try {
    const { migrateStore } = await import('./core/postgres/migrate-store.js');
    const result = await migrateStore(from, to, args.includes('--force'));
    (result.outcome === 'refused' ? console.error : console.log)(`switchboard migrate-store: ${result.message}`);
    return result.outcome === 'refused' ? 1 : 0;
  } catch (err) {
    console.error(`switchboard migrate-store: ${(err as Error).message}`);
    return 1;
  }
}

/** `switchboard rotate-secrets`: src/core/rotate-secrets.ts. Exit 0 done, 1 refused or bad arguments. */
async function rotateSecretsCommand(args: string[]): Promise<number> {
  const file = argValue(args, '--config', '-c');
  const oldFile = argValue(args, '--old-key');
  const oldEnv = argValue(args, '--old-key-env');
  if (!file || (oldFile === undefined) === (oldEnv === undefined)) {
    console.error(`switchboard rotate-secrets: --config FILE and one of --old-key FILE or --old-key-env VAR are required\n${USAGE}`);
    return 1;
  }
  try {
    const config = await loadConfig(file, builtinBridges);
    if (!config.secretKey) throw new Error(`${file}: configure the new key first (secrets.key_file or secrets.key)`);
    const envValue = oldEnv === undefined ? undefined : process.env[oldEnv];
    if (oldEnv !== undefined && envValue === undefined) throw new Error(`environment variable ${oldEnv} is not set`);
    const oldKey = oldFile !== undefined ? readSecretKeyFile(oldFile) : parseSecretKey(envValue!, oldEnv!);
    const { url, path } = config.core.store;
    const { rotatePostgres, rotateSqlite } = await import('./core/rotate-secrets.js');
    const result = url ? await rotatePostgres(url, oldKey, config.secretKey) : rotateSqlite(path, oldKey, config.secretKey);
    (result.outcome === 'refused' ? console.error : console.log)(`switchboard rotate-secrets: ${result.message}`);
    return result.outcome === 'refused' ? 1 : 0;
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : `switchboard rotate-secrets: ${(err as Error).message}`);
    return 1;
  }
}

/** `switchboard stop [--final] --pid PID`: signal the gateway and wait (at most 60 s) until it has exited. */
async function stopCommand(args: string[]): Promise<number> {
  const pid = Number(argValue(args, '--pid'));
  if (!Number.isInteger(pid) || pid <= 0) {
    console.error(`switchboard stop: --pid PID is required\n${USAGE}`);
    return 1;
  }
  const alive = (): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  try {
    process.kill(pid, args.includes('--final') ? 'SIGUSR2' : 'SIGTERM');
  } catch (err) {
    console.error(`switchboard stop: ${(err as Error).message}`);
    return 1;
  }
  for (let waited = 0; alive(); waited += 100) {
    if (waited >= 60_000) {
      console.error(`switchboard stop: process ${pid} is still running after 60 s`);
      return 1;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return 0;
}

async function run(file: string | undefined): Promise<void> {
  if (!file) {
    console.error(`switchboard: --config FILE is required\n${USAGE}`);
    process.exit(1);
  }
  let config;
  try {
    config = await loadConfig(file, builtinBridges);
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : (err as Error).message);
    process.exit(1);
  }
  const log = createLogger(config.core.log.level);
  log.debug({ event: 'compile_cache', status: compileCacheStatus() ?? 'not-requested', node: process.version }, 'module compile cache');
  if (process.env['SWITCHBOARD_BENCH_PROBE']) {
    // bench/ only (src/bench-probe.ts): a production gateway neither loads the probe nor listens.
    try {
      await (await import('./bench-probe.js')).startBenchProbeFromEnv(process.env);
    } catch (err) {
      console.error(`switchboard: bench probe: ${(err as Error).message}`);
      process.exit(1);
    }
  }
  const url = config.core.store.url;
  // On PostgreSQL: standby until this instance holds the lease (src/failover/run.ts), or a
  // shard holding one slot or more (src/failover/shard-run.ts).
  let stop: (final?: boolean) => Promise<void>;
  let reload: () => void;
  const fatal = (err: Error) => {
    const message = err instanceof FatalComponentError ? `switchboard: fatal: ${err.message}` : `switchboard: start-up failed: ${err.message}`;
    log.fatal({ event: 'fatal', err: err.message }, message);
    console.error(message);
    void stop().finally(() => process.exit(2));
  };
  if (url) {
    // Another instance is active now: exit at once, without a graceful stop that would write.
    const leaseLost = (why: string) => {
      console.error(`switchboard: lease lost (${why}); exiting`);
      process.exit(3);
    };
    const running =
      config.core.store.cluster.mode === 'shard'
        ? (await import('./failover/shard-run.js')).runSharded(config, log, url, fatal, leaseLost)
        : (await import('./failover/run.js')).runWithFailover(config, log, url, fatal, leaseLost);
    stop = (final) => running.stop(final);
    reload = () => running.reload();
  } else {
    const gateway = new Gateway(config, log);
    stop = (final) => gateway.stop(final);
    reload = () => void gateway.reload();
    gateway.start(fatal).catch(fatal);
  }
  const shutdown = (signal: string, final = false) => {
    log.info({ event: 'signal', signal, final }, `${signal}: graceful stop${final ? ' for good' : ''}`);
    stop(final).then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGUSR2', () => shutdown('SIGUSR2', true));
  process.on('SIGHUP', () => reload());
}

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) console.log(USAGE);
else if (args.includes('--version')) console.log(`${SOFTWARE.name} ${SOFTWARE.version}`);
else if (args[0] === 'stop') process.exitCode = await stopCommand(args.slice(1));
else if (args[0] === 'generate-secret-key') console.log(generateSecretKey());
else if (args[0] === 'rotate-secrets') process.exitCode = await rotateSecretsCommand(args.slice(1));
else if (args[0] === 'migrate-store') process.exitCode = await migrateStoreCommand(args.slice(1));
else if (args[0] === 'check-config') process.exitCode = await checkConfig(args[1] ?? argValue(args, '--config', '-c'));
else await run(argValue(args, '--config', '-c') ?? (args[0] === 'run' ? args[1] : undefined));
