// ComponentConnection.send against the scripted fake server, in process: what it refuses to
// write (a stanza over max_outgoing_stanza_size) and what the XML audit reports.
import { Element } from 'ltx';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { isRetryable, isStanzaError } from '../../src/core/errors.js';
import { ComponentConnection } from '../../src/xmpp/component.js';
import { startFakeComponentServer, type FakeComponentServer } from '../helpers/fake-xmpp-server.js';

const DOMAIN = 'c.localhost';
const SECRET = 'send-secret';

describe('ComponentConnection.send', () => {
  let fake: FakeComponentServer | undefined;
  let component: ComponentConnection | undefined;
  const saved = process.env.SWITCHBOARD_XML_AUDIT;

  afterEach(async () => {
    await component?.stop();
    await fake?.close();
    component = fake = undefined;
    if (saved === undefined) delete process.env.SWITCHBOARD_XML_AUDIT;
    else process.env.SWITCHBOARD_XML_AUDIT = saved;
  });

  async function online(
    maxOutgoingStanzaSize: number,
  ): Promise<{ logs: Array<Record<string, unknown>>; fake: FakeComponentServer; component: ComponentConnection }> {
    const logs: Array<Record<string, unknown>> = [];
    const log = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>) });
    fake = await startFakeComponentServer({ secret: SECRET, domain: DOMAIN });
    component = new ComponentConnection({
      host: '127.0.0.1',
      port: fake.port,
      domain: DOMAIN,
      secret: SECRET,
      maxStanzaSize: 65_536,
      maxOutgoingStanzaSize,
      reconnect: { initialDelayMs: 50, maxDelayMs: 100 },
      log,
      traceXml: false,
    });
    await component.start();
    return { logs, fake, component };
  }

  const message = (id: string, body: string) => new Element('message', { from: `a@${DOMAIN}`, to: 'u@localhost', id }).c('body').t(body).root();

  it('refuses a stanza over max_outgoing_stanza_size with a permanent policy-violation and writes nothing', async () => {
    const { logs, fake, component } = await online(2048);
    const big = message('big', 'b'.repeat(4096));
    const size = Buffer.byteLength(big.toString());
    const err: unknown = await component.send(big).catch((e: unknown) => e);
    expect(isStanzaError(err) && !isRetryable(err)).toBe(true);
    expect(err).toMatchObject({ condition: 'policy-violation', type: 'modify', message: `This message is ${size} bytes; the gateway sends at most 2048 to the XMPP server.` });
    expect(logs.find((l) => l.event === 'outgoing_stanza_too_large')).toMatchObject({ level: 40, name: 'message', to: 'u@localhost', id: 'big', size, limit: 2048 });
    // The size counted is what would be written: after the XML 1.0 choke point, in UTF-8 bytes.
    const fits = message('fits', '👋'.repeat(400) + '\x07'.repeat(2000));
    expect(Buffer.byteLength(fits.toString().replace(/\x07/g, ''))).toBeLessThanOrEqual(2048);
    await component.send(fits);
    await fake.waitForStanza((s) => s.attrs.id === 'fits', 'the stanza within the limit');
    expect(fake.received.map((s) => s.attrs.id)).toEqual(['fits']);
    expect(component.status).toBe('online');
  });

  it('with SWITCHBOARD_XML_AUDIT=1, logs invalid_xml_out with the stanza when what it sends is not well-formed', async () => {
    process.env.SWITCHBOARD_XML_AUDIT = '1';
    const { logs, fake, component } = await online(65_536);
    await component.send(message('fine', 'all good'));
    // An undeclared namespace prefix: ltx serialises it, a namespace-aware parser refuses it.
    await component.send(new Element('message', { to: 'u@localhost', id: 'bad' }).c('x:body').t('unbound prefix').root());
    await fake.waitForStanza((s) => s.attrs.id === 'bad', 'the bad stanza');
    const audits = logs.filter((l) => l.event === 'invalid_xml_out');
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ level: 50 });
    expect(String(audits[0]!.xml)).toContain("id=\"bad\"");
  });

  it('without SWITCHBOARD_XML_AUDIT, does not audit', async () => {
    delete process.env.SWITCHBOARD_XML_AUDIT;
    const { logs, fake, component } = await online(65_536);
    await component.send(new Element('message', { to: 'u@localhost', id: 'bad' }).c('x:body').t('unbound prefix').root());
    await fake.waitForStanza((s) => s.attrs.id === 'bad', 'the bad stanza');
    expect(logs.filter((l) => l.event === 'invalid_xml_out')).toEqual([]);
  });
});
