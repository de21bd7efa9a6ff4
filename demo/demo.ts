/**
 * `npm run demo`: a local Prosody with two accounts, the gateway with every demo bridge
 * (demo-bridges.ts) and their peers, in the foreground until Ctrl-C. State lives in ./.demo/
 * (or $SWITCHBOARD_DEMO_DIR) and survives restarts, so a client set up once keeps working.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtinBridges } from '../bridges/index.js';
import { killStale, type Daemon } from '../test/helpers/daemon.js';
import { demoBridges, type DemoPeer } from './demo-bridges.js';
import { printBanner, type DemoState } from './demo-banner.js';
import { preferPort } from './demo-ports.js';
import { startGatewayDaemon } from '../test/helpers/gateway-daemon.js';
import { startProsodyDaemon } from '../test/helpers/prosody-daemon.js';
import { builtCli, repoRoot } from '../test/helpers/repo.js';

const DOMAIN = 'localhost';
const USERNAMES = ['alice', 'bob'] as const;

const secret = (): string => randomBytes(12).toString('base64url');

/** Passwords are made once and kept, so the accounts a client saved stay valid. */
function loadPasswords(file: string): Record<string, string> {
  const saved = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
  for (const name of USERNAMES) saved[name] ??= `${name}-${randomBytes(4).toString('hex')}`;
  writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600 });
  return saved;
}

async function main(): Promise<void> {
  builtCli(); // fail now, with the fix, rather than after Prosody started
  const dir = process.env['SWITCHBOARD_DEMO_DIR'] ?? join(repoRoot(), '.demo');
  const runDir = join(dir, 'run');
  for (const d of [dir, runDir, join(dir, 'prosody'), join(dir, 'switchboard')]) mkdirSync(d, { recursive: true });

  // A demo killed with SIGKILL (or a closed terminal) leaves its children running on our ports.
  await killStale(join(runDir, 'switchboard.pid'), join(dir, 'switchboard'));
  await killStale(join(runDir, 'prosody.pid'), join(dir, 'prosody'));

  const passwords = loadPasswords(join(dir, 'accounts.json'));
  // Debian's prosody and ngircd packages start system daemons on the standard ports: take each
  // standard port only when it is free, and never hand one port out twice.
  const taken = new Set<number>();
  const pickPort = async (wanted = 0): Promise<number> => {
    const port = await preferPort(wanted, taken);
    taken.add(port);
    return port;
  };
  const c2sPort = await pickPort(5222);
  const componentPort = await pickPort(5347);
  const httpPort = await pickPort(8080);
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  const registered = new Set(Object.keys(builtinBridges));
  const bridges = demoBridges.filter((b) => registered.has(b.id)).map((b) => ({ def: b, domain: `${b.subdomain}.${DOMAIN}`, secret: secret() }));

  // Started in order, stopped in reverse: gateway, then peers, then Prosody.
  const stops: Array<() => Promise<void>> = [];
  const watched: Daemon[] = [];
  let stopping: Promise<void> | undefined;
  const stopAll = (code: number): Promise<void> =>
    (stopping ??= (async () => {
      for (const stop of stops.reverse()) await stop().catch((err: unknown) => console.error(`demo: stop failed: ${(err as Error).message}`));
      process.exit(code);
    })());
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (stopping) return; // a second Ctrl-C while stopping changes nothing: the grace timers run
      console.log(`\n${signal}: stopping the gateway, the peers and Prosody…`);
      void stopAll(0);
    });
  }

  try {
    const prosody = await startProsodyDaemon({
      dir: join(dir, 'prosody'),
      domain: DOMAIN,
      c2sPort,
      componentPort,
      users: USERNAMES.map((username) => ({ username, password: passwords[username]! })),
      components: bridges.map((b) => ({ domain: b.domain, secret: b.secret })),
      pidFile: join(runDir, 'prosody.pid'),
      detached: true,
    });
    stops.push(() => prosody.daemon.stop());
    watched.push(prosody.daemon);

    const peers = new Map<string, DemoPeer>();
    for (const b of bridges) {
      const stateDir = join(dir, 'bridges', b.def.id);
      mkdirSync(stateDir, { recursive: true });
      const peer = await b.def.startPeer({
        stateDir,
        runDir,
        xmppDomain: DOMAIN,
        bridgeDomain: b.domain,
        users: USERNAMES.map((u) => `${u}@${DOMAIN}`),
        httpUrl,
        pickPort,
      });
      stops.push(() => peer.stop());
      watched.push(...(peer.daemons ?? []));
      peers.set(b.def.id, peer);
    }

    const gwDir = join(dir, 'switchboard');
    const gateway = await startGatewayDaemon({
      dir: gwDir,
      config: {
        xmpp: { host: '127.0.0.1', port: componentPort },
        store: { path: join(gwDir, 'switchboard.sqlite') },
        // public_url: Twilio webhooks are signed for it and mail attachments are linked under it.
        http: { host: '127.0.0.1', port: httpPort, public_url: httpUrl },
        log: { level: 'info' },
        admins: [`alice@${DOMAIN}`],
        access: { domains: [DOMAIN] },
        bridges: Object.fromEntries(
          bridges.map((b) => {
            const options = peers.get(b.def.id)?.options;
            return [b.def.id, { domain: b.domain, component_secret: b.secret, ...(options ? { options } : {}) }];
          }),
        ),
      },
      pidFile: join(runDir, 'switchboard.pid'),
      detached: true,
    });
    stops.push(() => gateway.daemon.stop());
    watched.push(gateway.daemon);

    const state: DemoState = {
      domain: DOMAIN,
      c2sPort,
      componentPort,
      httpPort,
      accounts: USERNAMES.map((username) => ({ username, password: passwords[username]! })),
      bridges: bridges.map((b) => {
        const info = peers.get(b.def.id)?.info;
        return { id: b.def.id, domain: b.domain, ...(info ? { info } : {}) };
      }),
    };
    // For demo-check.ts and for anyone scripting against a running demo.
    writeFileSync(join(dir, 'demo.json'), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
    printBanner({
      state,
      dir,
      gatewayLog: gateway.logFile,
      prosodyLog: prosody.logFile,
      configFile: gateway.configFile,
      tries: bridges.map((b) => ({ id: b.def.id, lines: peers.get(b.def.id)?.tryLines ?? [] })),
    });
  } catch (err) {
    console.error(`demo: start-up failed: ${(err as Error).message}`);
    await stopAll(1);
    return;
  }

  // A child that dies on its own takes the demo down: a half-running demo only confuses.
  for (const d of watched) {
    void d.exited.then((how) => {
      if (stopping) return;
      console.error(`demo: ${d.name} exited unexpectedly (${how}); see ${d.logFile}. Stopping.`);
      void stopAll(1);
    });
  }
}

await main();
