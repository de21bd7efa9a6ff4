/** Benchmarks print JSON lines on stdout, each tagged with the benchmark's name. */

/** A printer of whole records: `print({ kind: 'floor', … })`. */
export function jsonLines(bench: string): (line: Record<string, unknown>) => void {
  return (line) => void process.stdout.write(`${JSON.stringify({ bench, ...line })}\n`);
}

/** A printer of one metric per line, rounded to 2 decimals: `emit('msgs_per_s', 812.3, { … })`. */
export function metricLines(bench: string): (metric: string, value: number, extra?: Record<string, unknown>) => void {
  const print = jsonLines(bench);
  return (metric, value, extra = {}) => print({ metric, value: Math.round(value * 100) / 100, ...extra });
}
