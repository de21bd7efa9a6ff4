// A server bounce is a failed delivery (design.md §5): through real Prosody and ejabberd with
// offline storage off, a text (signed Twilio webhook) and a mail (swaks → the SMTP listener)
// acknowledged with 200/250 to a user who is offline — who let the gateways see her presence,
// or who did not — and to an address with no account behind it. The first are retried when her
// presence arrives, the second on the backoff; the last become dead letters an admin can retry,
// and the mail's sender gets a DSN through the relay (aiosmtpd behind the fault proxy), which is
// itself an outbox item: retried while the relay is down, delivered when it is back.
import { xml } from '@xmpp/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDsn } from '../../bridges/email/dsn.js';
import { MAIL, SMS, startBounceStack, uid, type BounceStack } from '../helpers/bounce-stack.js';
import { startEjabberd } from '../helpers/ejabberd.js';
import { startProsody } from '../helpers/prosody.js';
import type { XmppServer, XmppServerOptions } from '../helpers/server-process.js';
import { waitFor } from '../helpers/wait.js';

const NUMBERS = { carol: '+15550002001', ghost: '+15550002002', dave: '+15550002003' };
/** A bounced item waits 4–8 s: a delivery sooner than that came from the user's presence. */
const DELAY_MS = 8000;

const servers: Array<[string, (opts: XmppServerOptions) => Promise<XmppServer>]> = [
  ['prosody', startProsody],
  ['ejabberd', startEjabberd],
];

describe.each(servers)('bounces through %s without offline storage', (_name, start) => {
  let s: BounceStack;
  const jid = (user: string) => `${user}@${s.server.domain}`;
  const dsnTo = async (sender: string) => (await s.sink.messages()).filter((m) => m.rcptTo.includes(sender));

  beforeAll(async () => {
    s = await startBounceStack({ start, users: ['carol', 'dave'], numbers: NUMBERS, delayMs: DELAY_MS, maxAttempts: 2 });
  }, 90_000);

  afterAll(async () => {
    await s?.stop();
  });

  it('a text and a mail to an offline user bounce, wait, and reach her as soon as she comes online', { timeout: 90_000 }, async () => {
    // Carol lets both gateways see her presence (RFC 6121 §3): the gateway asks back when she subscribes.
    const first = await s.login('carol');
    for (const domain of [SMS, MAIL]) {
      await first.send(xml('presence', { to: domain, type: 'subscribe' }));
      await first.waitForStanza((st) => st.is('presence') && st.attrs.from === domain && st.attrs.type === 'subscribe', `${domain} asks to see carol's presence`);
      await first.send(xml('presence', { to: domain, type: 'subscribed' }));
    }
    // A roster round trip: the server has stored both approvals before carol leaves.
    await first.iq(xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster' })));
    await first.stop();

    const since = Date.now();
    const smsBody = uid('text-for-carol');
    const mailBody = uid('mail-for-carol');
    expect((await s.text(NUMBERS.carol, smsBody)).status).toBe(200);
    const sent = await s.mail('dan@example.com', 'carol@mail.example.org', mailBody);
    expect(sent.code, sent.output).toBe(0);
    await s.logged('bounce_retry', 'sms', since, jid('carol'));
    await s.logged('bounce_retry', 'email', since, jid('carol'));

    const carol = await s.login('carol');
    const back = Date.now();
    // Well inside the 4 s minimum backoff: her presence, not the timer, brought them.
    const got = await Promise.all([
      carol.waitForStanza((st) => st.getChildText('body') === smsBody, 'the text after carol came online', 3500),
      carol.waitForStanza((st) => st.getChildText('body')?.includes(mailBody) === true, 'the mail after carol came online', 3500),
    ]);
    expect(Date.now() - back).toBeLessThan(DELAY_MS / 2);
    expect(got[0].attrs.from).toBe(`+15557770123@${SMS}`);
    expect(got[1].attrs.from).toBe(`dan\\40example.com@${MAIL}`);
  });

  it('to an offline user who did not subscribe, the backoff brings the text and the mail once she is online', { timeout: 90_000 }, async () => {
    const since = Date.now();
    const smsBody = uid('text-for-dave');
    const mailBody = uid('mail-for-dave');
    expect((await s.text(NUMBERS.dave, smsBody)).status).toBe(200);
    const sent = await s.mail('dan@example.com', 'dave@mail.example.org', mailBody);
    expect(sent.code, sent.output).toBe(0);
    const retries = await Promise.all([s.logged('bounce_retry', 'sms', since, jid('dave')), s.logged('bounce_retry', 'email', since, jid('dave'))]);

    // No presence of dave's reaches the gateways (no subscription): nothing expedites the retry.
    const dave = await s.login('dave');
    const got = await Promise.all([
      dave.waitForStanza((st) => st.getChildText('body') === smsBody, 'the text on the backoff', 15_000),
      dave.waitForStanza((st) => st.getChildText('body')?.includes(mailBody) === true, 'the mail on the backoff', 15_000),
    ]);
    const arrived = Date.now();
    // Not before the backoff each bounce logged (its time is a few ms after the due time was set).
    for (const r of retries) expect(arrived).toBeGreaterThanOrEqual(Date.parse(String(r.time)) + Number(r.delayMs) - 50);
    expect(got.map((g) => g.attrs.to?.split('/')[0])).toEqual([jid('dave'), jid('dave')]);
  });

  it('a text and a mail to an address with no account are dead letters; the sender gets a DSN and an admin can retry the text', { timeout: 90_000 }, async () => {
    const since = Date.now();
    const sender = `${uid('erin')}@example.com`;
    const smsBody = uid('text-for-ghost');
    expect((await s.text(NUMBERS.ghost, smsBody)).status).toBe(200);
    const sent = await s.mail(sender, 'ghost@mail.example.org', 'nobody reads this');
    expect(sent.code, sent.output).toBe(0);
    // Two attempts, two bounces, then dead.
    await s.logged('dead_letter', 'sms', since);
    await s.logged('dead_letter', 'email', since);

    const dsn = await waitFor(async () => (await dsnTo(sender))[0], 'the DSN in the relay sink', 15_000);
    expect(['', '<>']).toContain(dsn.mailFrom); // null reverse-path: a DSN is never answered (RFC 3464 §2)
    expect(dsn.parsed.from?.value[0]?.address).toBe('postmaster@mail.example.org');
    const report = parseDsn(dsn.parsed);
    expect(report?.failures).toEqual([expect.objectContaining({ recipient: 'ghost@mail.example.org', status: '5.0.0' })]);
    expect(report?.failures[0]?.diagnostic).toContain('service-unavailable');

    // The dead text is visible to admins; once ghost has an account, retrying delivers it.
    await s.server.addUser('ghost', 'pw-ghost');
    const ghost = await s.login('ghost');
    await s.retryDeadLetter(SMS, [jid('ghost'), 'service-unavailable']);
    await ghost.waitForStanza((st) => st.getChildText('body') === smsBody, 'the retried dead letter', 10_000);
  });

  it('the DSN of a dead mail goes through the outbox: retried while the relay is down, sent once it is back; the mail can be retried', { timeout: 90_000 }, async () => {
    const since = Date.now();
    const sender = `${uid('fay')}@example.com`;
    const body = uid('mail-for-nobody');
    const sent = await s.mail(sender, 'nobody@mail.example.org', body);
    expect(sent.code, sent.output).toBe(0);
    await s.logged('bounce_retry', 'email', since, jid('nobody'));
    // The relay goes away before the second bounce makes the mail dead and its DSN due.
    await s.relay.down();
    await s.logged('dead_letter', 'email', since, jid('nobody'));
    const queued = await s.logged('inbound_dead_queued', 'email', since, jid('nobody'));
    const retry = await s.logged('retry', 'email', since, jid('nobody'));
    expect(retry.id).toBe(queued.id);
    expect(await dsnTo(sender)).toEqual([]);

    await s.relay.up();
    const dsn = await waitFor(async () => (await dsnTo(sender))[0], 'the DSN once the relay is back', 20_000);
    expect(parseDsn(dsn.parsed)?.failures).toEqual([expect.objectContaining({ recipient: 'nobody@mail.example.org' })]);
    await s.logged('dsn_sent', 'email', since, jid('nobody'));
    expect(await dsnTo(sender)).toHaveLength(1);

    // The dead mail itself stays a dead letter an admin sees; once nobody exists, a retry delivers it.
    await s.server.addUser('nobody', 'pw-nobody');
    const nobody = await s.login('nobody');
    await s.retryDeadLetter(MAIL, [jid('nobody'), 'service-unavailable']);
    await nobody.waitForStanza((st) => st.getChildText('body')?.includes(body) === true, 'the retried dead mail', 10_000);
  });
});
