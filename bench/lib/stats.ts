/** Latency and rate summaries, rounded so the JSON lines stay readable. */

export interface Summary {
  msgs_per_s: number;
  p50_ms: number;
  p99_ms: number;
}

/** `x` to `digits` decimals (1 unless told). */
export const round = (x: number, digits = 1): number => Number(x.toFixed(digits));

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarize(latenciesMs: readonly number[], elapsedMs: number): Summary {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return {
    msgs_per_s: round((latenciesMs.length * 1000) / elapsedMs, 0),
    p50_ms: round(percentile(sorted, 50), 2),
    p99_ms: round(percentile(sorted, 99), 2),
  };
}

/** a / b, for "how many times the floor" figures. */
export function ratio(a: number, b: number): number {
  return round(a / b, 2);
}
