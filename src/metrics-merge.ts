/**
 * One Prometheus exposition from several registries whose metric families share names (sharded
 * mode: the home gateway's and those of the slots it adopted, src/failover/shard-run.ts). The
 * text format allows one `# HELP`/`# TYPE` block per family (Prometheus exposition format,
 * "Text format details"), so concatenating two registries that both have
 * `switchboard_outbox_depth` is not a valid scrape: a family present in the extra series is
 * rendered once, its series from every source together (prom-client's aggregate; the extra
 * series carry a label of their own, `slot`, so no two series coincide and nothing is summed).
 */
import { AggregatorRegistry, type Registry } from 'prom-client';

/** A metric family with its series, as `Registry.getMetricsAsJSON()` gives them. */
export type MetricFamily = Awaited<ReturnType<Registry['getMetricsAsJSON']>>[number];

/** Process-wide metrics (collectDefaultMetrics): the home registry has them once for the process. */
const PROCESS_METRIC = /^switchboard_(process|nodejs)_/;

/** The families of these registries but the process-wide ones, each series given `labels` more. */
export async function labelledFamilies(registries: readonly Registry[], labels: Record<string, string>): Promise<MetricFamily[]> {
  const families = (await Promise.all(registries.map((r) => r.getMetricsAsJSON()))).flat();
  return families
    .filter((f) => !PROCESS_METRIC.test(f.name))
    .map((f) => ({ ...f, values: f.values.map((v) => ({ ...v, labels: { ...v.labels, ...labels } })) }));
}

/** The text of `registries`, with `extra` merged into the families of the same name. */
export async function renderMerged(registries: readonly Registry[], extra: readonly MetricFamily[]): Promise<string> {
  const names = new Set(extra.map((f) => f.name));
  const parts: string[] = [];
  const own: MetricFamily[] = [];
  for (const registry of registries) {
    for (const metric of registry.getMetricsAsArray()) {
      const family = names.has(metric.name) ? registry.getSingleMetric(metric.name) : undefined;
      if (family) own.push(await family.get());
      else parts.push(await registry.getSingleMetricAsString(metric.name));
    }
  }
  parts.push(await AggregatorRegistry.aggregate([own, [...extra]]).metrics());
  return `${parts.join('\n')}\n`;
}
