/**
 * The IRC bridge benchmark's `--cpu-prof DIR` run: a Switchboard process under node --cpu-prof
 * through one burst each way (IRC→XMPP, then XMPP→IRC), each printed with its rate, latency and
 * profiled CPU per message; then, from the .cpuprofile it leaves in DIR, where its CPU went
 * during each burst only (bench/lib/cpuprofile.ts), leaving out start-up and set-up.
 */
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { NativeIrcUser } from '../../test/helpers/irc-native.js';
import { summarizeCpuProfile } from './cpuprofile.js';
import { print, type IrcBenchOptions } from './irc-common.js';
import { sendMessage, xmppBodies, type IrcSink } from './irc-clients.js';
import { withBridgedRoom, type Env, type Gateway } from './irc-gateways.js';
import { runOneWay } from './oneway.js';
import { cpuTimeMs } from './proc.js';
import { round, summarize } from './stats.js';

/** A profiled Switchboard (node --cpu-prof) through one burst each way; the summary covers each burst only. */
export async function profileSwitchboard(opts: IrcBenchOptions, env: Env, gw: Gateway, natA: NativeIrcUser, sinkA: IrcSink, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const before = new Set(readdirSync(dir));
  const channel = '#prof';
  const bursts: Array<{ direction: string; fromUs: number; toUs: number }> = [];
  const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);
  await withBridgedRoom(env, gw, natA, { channel, nick: 'Prof', cpuProfDir: dir }, async (running, room) => {
    const directions = [
      { direction: 'irc_to_xmpp', send: (b: string): void => natA.client.say(channel, b), subscribe: xmppBodies(env.bench, 'groupchat') },
      { direction: 'xmpp_to_irc', send: sendMessage(env.bench, room, 'groupchat'), subscribe: sinkA(channel) },
    ];
    for (const { direction, send, subscribe } of directions) {
      await runOneWay({ n: opts.warmup, window: 20, tag: `prof-${direction}-warm`, send, subscribe });
      const cpu0 = cpuTimeMs(running.pid);
      const fromUs = nowUs();
      const r = await runOneWay({ n: opts.n, window: opts.window, tag: `prof-${direction}`, send, subscribe });
      bursts.push({ direction, fromUs, toUs: nowUs() });
      const cpu = cpuTimeMs(running.pid) - cpu0;
      env.bench.received.length = 0;
      print({ kind: 'cpu-profile-run', gateway: gw.name, direction, ...summarize(r.latenciesMs, r.elapsedMs), cpu_us_per_msg_profiled: round((cpu * 1000) / opts.n) });
    }
  });
  const file = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile') && !before.has(f))
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  if (!file) return print({ kind: 'cpu-profile', error: `no .cpuprofile written in ${dir}` });
  // Only the samples of each burst: the profile's clock is CLOCK_MONOTONIC, as is process.hrtime here.
  for (const { direction, fromUs, toUs } of bursts) {
    print({ kind: 'cpu-profile', gateway: gw.name, direction, file, window: 'this burst only (wall ms; idle included)', ...summarizeCpuProfile(file, 30, { fromUs, toUs }) });
  }
}
