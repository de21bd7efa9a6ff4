/**
 * The echo bridge: the reference adapter and the fixture that proves the core end to end.
 * Every chat message to `anything@echo-domain` comes back with the same body from that JID;
 * a XEP-0184 receipt acknowledges it when the sender asked for one.
 */
import { z } from 'zod';
import { FEATURES, type Bridge, type BridgeContext, type BridgeDefinition, type ResolvedAddress, type SendOptions, type SendResult } from '../../src/core/bridge.js';
import { RetryableError, StanzaError } from '../../src/core/errors.js';
import type { Outbound } from '../../src/core/model.js';

export const echoConfigSchema = z.strictObject({
  /** Prepended to every echoed body (tests use it to tell echoes apart). */
  prefix: z.string().default(''),
  /** Answer after this many milliseconds (to hold items in flight in tests). */
  delay_ms: z.number().int().min(0).default(0),
});
export type EchoConfig = z.infer<typeof echoConfigSchema>;

/** Sleep `ms`, or less if `signal` aborts first. */
function abortableDelay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export class EchoBridge implements Bridge {
  constructor(
    private readonly ctx: BridgeContext,
    private readonly config: EchoConfig,
  ) {}

  async start(): Promise<void> {
    this.ctx.log.info({ event: 'started' }, 'echo bridge ready');
  }

  async stop(): Promise<void> {}

  resolve(localpart: string): ResolvedAddress {
    if (localpart === '') return { kind: 'service', localpart: '', name: 'Echo' };
    if (localpart.length > 256) throw new StanzaError('jid-malformed', 'An echo address is at most 256 characters long.');
    // It answers with a XEP-0184 receipt when asked: receipts are what its contacts carry.
    return { kind: 'contact', localpart, name: localpart, features: [FEATURES.receipts] };
  }


  async send(event: Outbound, options: SendOptions = {}): Promise<SendResult> {
    if (event.kind !== 'message') {
      throw new StanzaError('feature-not-implemented', `The echo bridge does not handle ${event.kind}.`);
    }
    if (event.type === 'groupchat') throw new StanzaError('not-acceptable', 'The echo bridge has no rooms.');
    // The configured delay stands for the network: an attempt aborted meanwhile echoes nothing.
    if (this.config.delay_ms) await abortableDelay(this.config.delay_ms, options.signal);
    if (options.signal?.aborted) throw new RetryableError('The echo attempt was aborted (deadline).');
    // The outbox item's id when the stanza had none: a redelivery after a crash echoes once.
    const key = event.id ?? event.originId ?? options.itemId;
    await this.ctx.deliver(
      {
        kind: 'message',
        user: event.user,
        from: event.to,
        type: 'chat',
        body: this.config.prefix + event.body,
        ...(event.thread ? { thread: event.thread } : {}),
        ...(event.oob ? { oob: event.oob } : {}),
      },
      key ? { dedupeKey: `echo:${event.user}:${key}` } : {},
    );
    if (event.receiptRequested && event.id) {
      await this.ctx.deliver(
        { kind: 'receipt', user: event.user, from: event.to, id: event.id, state: 'delivered', ...(event.resource ? { toResource: event.resource } : {}) },
        { dedupeKey: `receipt:${event.user}:${event.id}` },
      );
    }
    return key ? { networkId: `echo-${key}` } : {};
  }
}

export const echoBridge: BridgeDefinition<EchoConfig> = {
  id: 'echo',
  identity: { type: 'echo', name: 'Switchboard echo' },
  configSchema: echoConfigSchema,
  hasPresence: false,
  create: (ctx, config) => new EchoBridge(ctx, config),
};
