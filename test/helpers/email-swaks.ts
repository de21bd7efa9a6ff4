/**
 * swaks (Debian package `swaks`) as the real SMTP client of the email bridge's inbound tests.
 * Exit codes (swaks(1)): 0 ok, 2 connect error, 23 MAIL refused, 24 no RCPT accepted,
 * 25 DATA refused, 26 not accepted after data.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireBinary } from './binaries.js';

export interface SwaksResult {
  code: number;
  output: string;
}

export function runSwaks(port: number, args: string[]): Promise<SwaksResult> {
  const swaks = requireBinary('swaks', 'swaks');
  return new Promise((resolve, reject) => {
    const child = spawn(swaks, ['--server', '127.0.0.1', '--port', String(port), '--timeout', '20', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code: code ?? -1, output }));
  });
}

/** A fixture of test/fixtures/email with `{{NAME}}` filled, written to a temp file for `--data`. */
export function emailFixtureFile(name: string, values: Record<string, string>): string {
  const path = fileURLToPath(new URL(`../fixtures/email/${name}`, import.meta.url));
  const text = readFileSync(path, 'utf8').replace(/\{\{(\w+)\}\}/g, (_m, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`fixture ${name}: no value for {{${key}}}`);
    return value;
  });
  const file = join(mkdtempSync(join(tmpdir(), 'sb-email-fixture-')), name);
  // SMTP wants CRLF line ends (RFC 5321 §2.3.8).
  writeFileSync(file, text.replace(/\r?\n/g, '\r\n'));
  return file;
}
