/** Summary of a V8 .cpuprofile (node --cpu-prof): self time by function and by source file. */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileSummary {
  total_ms: number;
  top_functions: Array<{ fn: string; self_ms: number; pct: number }>;
  top_files: Array<{ file: string; self_ms: number; pct: number }>;
}

/** Shorten file URLs to what identifies them: node internals, a package, or a repo path. */
function shortFile(url: string): string {
  if (url === '') return '(native/vm)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `npm:${pkg[1]}`;
  const repo = /\/dist\/(.*)$/.exec(url);
  if (repo) return repo[1]!;
  return url.replace(/^file:\/\//, '');
}

/**
 * `window`: only the samples taken between these CLOCK_MONOTONIC times in microseconds (the clock
 * of V8's profile timestamps and of `process.hrtime` in any process on Linux), to leave out
 * start-up and set-up.
 */
export function summarizeCpuProfile(file: string, top = 25, window?: { fromUs: number; toUs: number }): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const hitsOf = new Map<number, number>();
  let totalMs = (profile.endTime - profile.startTime) / 1000;
  if (window && profile.samples && profile.timeDeltas) {
    let t = profile.startTime;
    for (let i = 0; i < profile.samples.length; i++) {
      t += profile.timeDeltas[i] ?? 0;
      if (t < window.fromUs || t > window.toUs) continue;
      const id = profile.samples[i]!;
      hitsOf.set(id, (hitsOf.get(id) ?? 0) + 1);
    }
    totalMs = (window.toUs - window.fromUs) / 1000;
  } else {
    for (const node of profile.nodes) hitsOf.set(node.id, node.hitCount ?? 0);
  }
  let totalHits = 0;
  for (const hits of hitsOf.values()) totalHits += hits;
  totalHits ||= 1;
  const msPerHit = totalMs / totalHits;
  const byFn = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = hitsOf.get(node.id) ?? 0;
    if (hits === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const f = shortFile(url);
    const key = `${functionName || '(anonymous)'} ${f}${url ? `:${lineNumber + 1}` : ''}`;
    byFn.set(key, (byFn.get(key) ?? 0) + hits);
    byFile.set(f, (byFile.get(f) ?? 0) + hits);
  }
  const rank = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, hits]) => ({ k, self_ms: Number((hits * msPerHit).toFixed(1)), pct: Number(((100 * hits) / totalHits).toFixed(1)) }));
  return {
    total_ms: Number(totalMs.toFixed(0)),
    top_functions: rank(byFn).map(({ k, self_ms, pct }) => ({ fn: k, self_ms, pct })),
    top_files: rank(byFile).map(({ k, self_ms, pct }) => ({ file: k, self_ms, pct })),
  };
}
