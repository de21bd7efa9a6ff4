// The unit lane's guard (test/setup/no-servers.ts) refuses servers, sockets and processes. It is
// imported here as well, so this file checks the guard in `npm test` too.
import { spawn } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import '../setup/no-servers.js';

describe('unit lane guard', () => {
  it('refuses to start a server', () => {
    expect(() => createServer().listen(0, '127.0.0.1')).toThrow(/unit lane: .*start a server/);
  });
  it('refuses to open a socket', () => {
    expect(() => connect(1, '127.0.0.1')).toThrow(/unit lane: .*open a socket/);
  });
  it('refuses to spawn a process, through a named import too', () => {
    expect(() => spawn('true')).toThrow(/unit lane: .*spawn a process/);
  });
});
