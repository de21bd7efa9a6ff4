// The README's quick start: `npm run demo` (dist/demo/demo.js) starts Prosody, ngircd, a fake
// Twilio, an SMTP sink and the gateway, and `node dist/demo/demo-check.js` checks every bridge end
// to end through them. Both must keep working (a broken demo is the first thing a user meets).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/repo.js';
import { waitFor } from '../helpers/wait.js';

const script = (name: string) => join(repoRoot(), 'dist', 'demo', name);

describe('the demo (README quick start)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-demo-'));
  let demo: ChildProcess | undefined;
  let output = '';

  afterAll(async () => {
    if (demo && demo.exitCode === null && demo.signalCode === null) {
      const exited = new Promise((r) => demo!.once('exit', r));
      demo.kill('SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (demo.exitCode === null) demo.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts, and demo-check finds every bridge working', { timeout: 90_000 }, async () => {
    const env = { ...process.env, SWITCHBOARD_DEMO_DIR: dir };
    demo = spawn(process.execPath, [script('demo.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    demo.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    demo.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await waitFor(() => existsSync(join(dir, 'demo.json')) || demo!.exitCode !== null, 'the demo to be ready', 60_000);
    expect(demo.exitCode, output).toBeNull();

    const check = spawn(process.execPath, [script('demo-check.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let checked = '';
    check.stdout.on('data', (d: Buffer) => (checked += d.toString()));
    check.stderr.on('data', (d: Buffer) => (checked += d.toString()));
    const code = await new Promise<number | null>((resolve) => check.once('exit', resolve));
    expect(code, checked).toBe(0);
    expect(checked).toContain('demo-check: OK');
  });
});
