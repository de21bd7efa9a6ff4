/**
 * A real PostgreSQL for the suite (design §9): `initdb` in a temporary directory, `postgres` on a
 * free loopback port, trust authentication for one superuser, removed by stop(). PostgreSQL
 * refuses to run as root, so as root the cluster belongs to the `postgres` system user that
 * Debian's package creates.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { missingBinaryMessage } from './binaries.js';
import { freePort } from './ports.js';
import { spawnServer, type ServerProcess } from './server-process.js';
import { waitFor } from './wait.js';

const run = promisify(execFile);
const APT = 'postgresql';

export interface PostgresServer {
  port: number;
  /** The postmaster's process id (its children are the backends and background workers). */
  pid: number;
  /** The URL of the cluster's default database. */
  url: string;
  /** A new, empty database; its URL. */
  createDatabase(name?: string): Promise<string>;
  /** SIGKILL-free stop: a fast shutdown, then the directory is removed. */
  stop(): Promise<void>;
  logs(): string;
}

/** The directory holding Debian's `initdb` and `postgres` (the newest version installed). */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) {
    const dir = join(root, v, 'bin');
    if (existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'))) return dir;
  }
  throw new Error(missingBinaryMessage('initdb/postgres', APT));
}

/** As root: the uid/gid of the `postgres` user from /etc/passwd (Debian's package creates it). */
function systemUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error(`PostgreSQL cannot run as root and there is no postgres user: ${missingBinaryMessage('postgres', APT)}`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

let dbCounter = 0;

export interface PostgresOptions {
  /** fsync=off makes a test cluster faster; the benchmark keeps the default (on). */
  fsync?: boolean;
}

export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'sb-pg-'));
  const data = join(dir, 'data');
  const owner = systemUser();
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const as = owner ? { uid: owner.uid, gid: owner.gid } : {};
  await run(join(bin, 'initdb'), ['-D', data, '-U', 'switchboard', '--auth=trust', '-E', 'UTF8', '--no-sync', '--locale=C'], { ...as, cwd: dir }).catch(
    (err: Error & { stderr?: string }) => {
      throw new Error(`initdb failed: ${err.stderr ?? err.message}`, { cause: err });
    },
  );
  const port = await freePort();
  const args = ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'];
  if (options.fsync === false) args.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const proc: ServerProcess = spawnServer(join(bin, 'postgres'), args, { ...as, cwd: dir });
  const url = `postgres://switchboard@127.0.0.1:${port}/postgres`;
  let exited: string | undefined;
  void proc.exited.then((how) => (exited = how));
  await waitFor(
    async () => {
      if (exited !== undefined) throw new Error(`postgres exited (${exited}): ${proc.output()}`);
      const c = new pg.Client({ connectionString: url });
      try {
        await c.connect();
        await c.query('SELECT 1');
        return true;
      } finally {
        await c.end().catch(() => undefined);
      }
    },
    'PostgreSQL accepting connections',
    30_000,
  );
  return {
    port,
    pid: proc.child.pid!,
    url,
    async createDatabase(name = `sb_${process.pid}_${++dbCounter}`) {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
      } finally {
        await c.end();
      }
      return `postgres://switchboard@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      if (exited === undefined) {
        proc.child.kill('SIGINT'); // fast shutdown: aborts open sessions
        await proc.exited;
      }
      if (!process.env.SWITCHBOARD_KEEP_TEST_DIRS) rmSync(dir, { recursive: true, force: true });
    },
    logs: () => proc.output(),
  };
}
