/** What a running demo exposes; also written to .demo/demo.json for scripts (demo-check.ts). */
export interface DemoState {
  domain: string;
  c2sPort: number;
  componentPort: number;
  httpPort: number;
  accounts: Array<{ username: string; password: string }>;
  /** `info`: what the bridge's demo peer tells scripts (ports, numbers, paths). */
  bridges: Array<{ id: string; domain: string; info?: Record<string, string | number> }>;
}

export interface BannerInput {
  state: DemoState;
  dir: string;
  gatewayLog: string;
  prosodyLog: string;
  configFile: string;
  /** Suggestions per bridge, in the order the bridges run. */
  tries: Array<{ id: string; lines: string[] }>;
}

/** What a user needs to log in and what to try, printed once everything is up. */
export function printBanner({ state, dir, gatewayLog, prosodyLog, configFile, tries }: BannerInput): void {
  const standard = state.c2sPort === 5222;
  const accounts = state.accounts.map((a) => `    ${`${a.username}@${state.domain}`.padEnd(20)} password: ${a.password}${a.username === 'alice' ? '   (gateway admin)' : ''}`);
  const firstBridge = state.bridges[0]?.domain ?? '';
  const lines = [
    '',
    '================================================================================',
    ' Switchboard demo is running. Press Ctrl-C to stop everything.',
    '================================================================================',
    '',
    ' Log in with any XMPP client (Gajim, Dino, Conversations, profanity…):',
    ...accounts,
    `    server: 127.0.0.1  port: ${state.c2sPort}${standard ? ' (the standard port: "localhost" is found without settings)' : ' (5222 was taken: set host and port in your client)'}`,
    '    No TLS: allow plaintext / unencrypted connections in your client.',
    '',
    ` Bridges: ${state.bridges.map((b) => `${b.id} on ${b.domain}`).join(', ') || '(none)'}`,
    '',
    ' Things to try:',
    ...tries.flatMap((t) => [`  [${t.id}]`, ...t.lines.map((l) => (l.startsWith(' ') ? `  ${l}` : `  - ${l}`))]),
    '  [admin]',
    `  - As alice (an admin), run ad-hoc commands on ${firstBridge} (Gajim: right-click it, "Execute Command"):`,
    '    status, users, dead-letters, reload. bob is not an admin: he does not get them.',
    '  - Log in as bob too and watch the gateway serve two users.',
    `  - Health and metrics: curl http://127.0.0.1:${state.httpPort}/healthz  and  /metrics`,
    '',
    ` State in ${dir} (kept across runs; delete it to start afresh).`,
    `   gateway config: ${configFile}`,
    `   gateway log:    ${gatewayLog}   (tail -f it while you try things)`,
    `   Prosody log:    ${prosodyLog}`,
    '',
  ];
  console.log(lines.join('\n'));
}
