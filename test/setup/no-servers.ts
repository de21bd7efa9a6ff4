// vitest setupFiles of the unit lane (vitest.unit.config.ts): a pure test never starts a server,
// opens a socket or spawns a process. Doing so throws here, so a test that needs a real peer fails
// the fast lane loudly instead of slowing it down; it belongs in the integration lane (`npm test`).
import childProcess from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { syncBuiltinESMExports } from 'node:module';

function refuse(what: string): never {
  throw new Error(`unit lane: a pure test may not ${what}; move the test to the integration lane (vitest.unit.config.ts)`);
}

net.Server.prototype.listen = function listen(): never {
  refuse('start a server (net.Server.listen)');
};
net.Socket.prototype.connect = function connect(): never {
  refuse('open a socket (net.Socket.connect)');
};
dgram.Socket.prototype.bind = function bind(): never {
  refuse('bind a UDP socket');
};
for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const) {
  Object.defineProperty(childProcess, name, {
    value: () => refuse(`spawn a process (child_process.${name})`),
    configurable: true,
    writable: true,
  });
}
// Named ESM imports (`import { spawn } from 'node:child_process'`) see the patched functions too.
syncBuiltinESMExports();
