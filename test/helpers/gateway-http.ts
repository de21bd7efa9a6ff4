/** Reading a running gateway's HTTP surface (/healthz, /metrics) from tests. */
import type { RunningGateway } from './gateway.js';

export interface Health {
  status: number;
  body: { status: string; problems: string[]; bridges?: Record<string, { canDeliver: boolean; reason?: string }> };
}

export async function healthz(gw: Pick<RunningGateway, 'httpPort'>): Promise<Health> {
  const res = await fetch(`http://127.0.0.1:${gw.httpPort}/healthz`);
  return { status: res.status, body: (await res.json()) as Health['body'] };
}

export async function metricsText(gw: Pick<RunningGateway, 'httpPort'>): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${gw.httpPort}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return res.text();
}

/**
 * The value of one Prometheus sample: `name` with exactly these labels (label order as
 * prom-client prints them does not matter). 0 when the sample is absent.
 */
export async function metric(gw: Pick<RunningGateway, 'httpPort'>, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await metricsText(gw);
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(',');
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = (m[2] ?? '').split(',').filter(Boolean).sort().join(',');
    if (got === want) return Number(m[3]);
  }
  return 0;
}
