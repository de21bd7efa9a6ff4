/**
 * The configuration of a gateway running on an adopted shard slot (src/failover/shard-run.ts).
 * One process then runs two gateways or more, and a listening port can be bound once: only the
 * home gateway listens. The adopted one runs without the HTTP server (its webhooks, /healthz and
 * /metrics are the home's) and without a bridge's own inbound listener (the email bridge's SMTP,
 * `smtp.enabled`). Inbound mail and webhooks are taken by each instance's home gateway, whatever
 * the user's slot: an inbound item goes to XMPP over any component connection, and ejabberd
 * routes it to the user.
 */
import type { LoadedConfig } from '../config.js';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function adoptedSlotConfig(config: LoadedConfig): LoadedConfig {
  return {
    ...config,
    core: { ...config.core, http: { ...config.core.http, enabled: false } },
    bridges: config.bridges.map((b) => {
      const options = b.options;
      if (!isRecord(options) || !isRecord(options.smtp) || typeof options.smtp.enabled !== 'boolean') return b;
      return { ...b, options: { ...options, smtp: { ...options.smtp, enabled: false } } };
    }),
  };
}
