import { client, xml, type Client } from '@xmpp/client';
import type { Element } from 'ltx';
import { randomBytes } from 'node:crypto';
import type { XmppServer } from './server-process.js';
import { StanzaQueue, type StanzaPredicate } from './stanza-queue.js';

/** A real XMPP client (xmpp.js) logged in to one of the suite's servers (design §9). */
export interface TestClient {
  /** Full JID the server bound, e.g. alice@localhost/test-1a2b. */
  jid: string;
  bareJid: string;
  /** Every stanza received since login, in order. */
  received: Element[];
  /** Errors the connection reported (stream errors, socket errors), in order. */
  errors: Error[];
  send(el: Element): Promise<void>;
  /**
   * Send an iq (a fresh id is set unless it has one) and resolve with the reply; a
   * type='error' reply resolves too, so tests can assert on the error condition.
   */
  iq(el: Element, timeoutMs?: number): Promise<Element>;
  /** First unconsumed received stanza matching `predicate`, waiting for it if needed. */
  waitForStanza(predicate: StanzaPredicate, message: string, timeoutMs?: number): Promise<Element>;
  /** Close the stream and the socket. Safe to call twice. */
  stop(): Promise<void>;
  /** The underlying xmpp.js client, for what this wrapper does not cover. */
  xmpp: Client;
}

export interface ConnectOptions {
  /** Send initial presence after login (default true): servers only route to available resources. */
  presence?: boolean;
  timeoutMs?: number;
}

const CONNECT_TIMEOUT_MS = 15_000;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Log `username` in over plain TCP with SASL PLAIN and bind `resource` (random by default). */
export async function connectClient(
  server: Pick<XmppServer, 'c2sPort' | 'domain' | 'logs'>,
  username: string,
  password: string,
  resource = `test-${randomBytes(3).toString('hex')}`,
  options: ConnectOptions = {},
): Promise<TestClient> {
  const xmpp = client({
    service: `xmpp://127.0.0.1:${server.c2sPort}`,
    domain: server.domain,
    resource,
    // xmpp.js waits 2 s by default for the server's stream header and answers; a server that
    // has just restarted on a loaded machine (ejabberd opening its tables) can take longer.
    timeout: 10_000,
    // xmpp.js refuses PLAIN on a connection without TLS unless the credentials handler
    // picks the mechanism itself; loopback test traffic does not need TLS, and PLAIN
    // avoids SCRAM's per-login cost.
    credentials: async (authenticate, mechanisms) => {
      const mechanism = mechanisms.includes('PLAIN') ? 'PLAIN' : mechanisms[0];
      if (mechanism === undefined) throw new Error('server offered no SASL mechanism');
      await authenticate({ username, password }, mechanism);
    },
  });
  // A test must see a dropped connection, not have it silently re-established.
  xmpp.reconnect.stop();

  const queue = new StanzaQueue();
  const errors: Error[] = [];
  xmpp.on('stanza', (el: Element) => queue.push(el));
  // Without an 'error' listener an EventEmitter error would crash the test worker.
  xmpp.on('error', (err: Error) => errors.push(err));

  const timeoutMs = options.timeoutMs ?? CONNECT_TIMEOUT_MS;
  try {
    await withTimeout(xmpp.start(), timeoutMs, `login of ${username}@${server.domain}`);
  } catch (err) {
    await xmpp.stop().catch(() => undefined);
    const message = err instanceof Error ? `${err.name}${err.message ? `: ${err.message}` : ''}` : String(err);
    throw new Error(`${username}@${server.domain} could not log in: ${message}\n--- server logs ---\n${server.logs()}`, {
      cause: err,
    });
  }
  const bound = xmpp.jid;
  if (bound === null) throw new Error('xmpp.js reported online without a bound JID');

  const send = async (el: Element): Promise<void> => {
    await xmpp.send(el);
  };
  const iq = async (el: Element, iqTimeoutMs?: number): Promise<Element> => {
    const id = el.attrs['id'] ?? `iq-${randomBytes(6).toString('hex')}`;
    el.attrs['id'] = id;
    // Wait first, then send: the reply may arrive before send() resolves.
    const reply = queue.waitForStanza(
      (s) => s.name === 'iq' && s.attrs['id'] === id && (s.attrs['type'] === 'result' || s.attrs['type'] === 'error'),
      `reply to iq ${id}: ${el.toString()}`,
      iqTimeoutMs,
    );
    await send(el);
    return reply;
  };

  const testClient: TestClient = {
    jid: bound.toString(),
    bareJid: bound.bare().toString(),
    received: queue.received,
    errors,
    send,
    iq,
    waitForStanza: (predicate, message, waitTimeoutMs) => queue.waitForStanza(predicate, message, waitTimeoutMs),
    stop: async () => {
      if (xmpp.status === 'offline' || xmpp.status === 'disconnect') return;
      await xmpp.stop().catch(() => undefined);
    },
    xmpp,
  };

  if (options.presence !== false) {
    await send(xml('presence'));
    // A ping round trip: the server handles a session's stanzas in order, so once the pong
    // is back the presence is in effect and messages to the bare JID reach this resource.
    await iq(xml('iq', { type: 'get', to: server.domain }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
  }
  return testClient;
}
