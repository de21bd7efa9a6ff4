// Risky characters both ways, through real Prosody and real ejabberd (the gateway must attach to
// either). IRC → XMPP: every C0 control and U+FFFE/U+FFFF in bodies and topics, from the fake
// IRC server (ngircd refuses some of them). XMPP → IRC: what XML can still carry that is risky
// on an IRC line (TAB, DEL, C1 controls, U+FFFD, very long lines, CR as `&#13;`), through real
// ngircd to a native IRC client, whose raw lines are checked.
import { xml } from '@xmpp/client';
import type { Element } from 'ltx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeIrcClient } from '../../../test/helpers/fake-irc-server.js';
import { connectNativeIrc, type NativeIrcUser } from '../../../test/helpers/irc-native.js';
import { startNgircd, type Ngircd } from '../../../test/helpers/irc-ngircd.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { DOMAIN, startHostileStack, type HostileStack } from './hostile-stack.js';

const body = (s: Element) => s.getChildText('body');
const hex = (c: number) => c.toString(16).padStart(2, '0');
// Every C0 control but LF (it ends the line on the wire, so it cannot be inside one).
const CONTROLS = Array.from({ length: 32 }, (_, c) => c).filter((c) => c !== 0x0a);
/** What the user sees for each (bridges/irc/README.md "Text from IRC"): TAB is a space, the rest is gone. */
const shown = (c: number) => (c === 0x09 ? ' ' : '');

describe.each([['prosody' as const], ['ejabberd' as const]])('risky text both ways through %s', (xmpp) => {
  let stack: HostileStack;
  let ngircd: Ngircd;
  let native: NativeIrcUser;
  let irc: FakeIrcClient;
  const rawLines: string[] = [];
  const ROOM = `#c%fake@${DOMAIN}`;

  beforeAll(async () => {
    ngircd = await startNgircd();
    stack = await startHostileStack({ xmpp, fakes: { fake: { members: ['Mallory'] } }, networks: { test: { servers: [{ host: '127.0.0.1', port: ngircd.port, tls: false }], throttle: { burst: 100, lines_per_second: 100 } } } });
    native = await connectNativeIrc(ngircd.port, 'Natty');
    native.client.on('raw', (e) => {
      if (e.from_server) rawLines.push(String(e.line));
    });
    native.client.join('#ctl');
    await native.expect('join');
    await stack.join('#c', 'fake');
    irc = await stack.fakes.fake!.client(0);
    await stack.join('#ctl', 'test');
  }, 120_000);

  afterAll(async () => {
    await native?.quit();
    await stack?.stop();
    await ngircd?.stop();
  });

  it('IRC → XMPP: each C0 control and U+FFFE/U+FFFF in a body arrives as the defined text', async () => {
    for (const c of CONTROLS) irc.send(`:Mallory!m@mal.host PRIVMSG #c :c${hex(c)}[${String.fromCharCode(c)}]\r\n`);
    irc.send(':Mallory!m@mal.host PRIVMSG #c :nonchars[\ufffe\uffff]\r\n');
    for (const c of CONTROLS) {
      const msg = await stack.alice.waitForStanza((s) => s.is('message') && s.attrs.from === `${ROOM}/Mallory` && body(s)?.startsWith(`c${hex(c)}[`) === true, `the body with 0x${hex(c)}`);
      expect(body(msg)).toBe(`c${hex(c)}[${shown(c)}]`);
    }
    const non = await stack.alice.waitForStanza((s) => s.is('message') && body(s)?.startsWith('nonchars') === true, 'the body with U+FFFE/U+FFFF');
    expect(body(non)).toBe('nonchars[\ufffd\ufffd]');
    expect(stack.componentReconnects()).toBe(0);
  });

  it('IRC → XMPP: a topic with every C0 control and U+FFFE/U+FFFF arrives as the defined subject', async () => {
    const all = CONTROLS.map((c) => String.fromCharCode(c)).join('');
    irc.send(`:Mallory!m@mal.host TOPIC #c :topic[${all}\ufffe\uffff]\r\n`);
    const subject = await stack.alice.waitForStanza((s) => s.is('message') && s.getChildText('subject')?.startsWith('topic[') === true, 'the topic');
    expect(subject.getChildText('subject')).toBe(`topic[${CONTROLS.map(shown).join('')}\ufffd\ufffd]`);
    expect(stack.componentReconnects()).toBe(0);
  });

  it('XMPP → IRC: TAB, DEL, C1 controls, U+FFFD, CR as &#13; and a long line give a defined result, never CR/LF/NUL inside a line', async () => {
    const room = `#ctl%test@${DOMAIN}`;
    const long = Array.from({ length: 300 }, (_, i) => `w${i}`).join(' ');
    const bodies = ['tab[\t]', 'del[\x7f]', 'c1[\u0080\u0085\u009b\u009f]', 'fffd[\ufffd]', long];
    for (const [i, b] of bodies.entries()) await stack.alice.send(xml('message', { to: room, type: 'groupchat', id: `risky${i}` }, xml('body', {}, b)));
    // A raw character reference: ltx would never write `&#13;`, a client may.
    await stack.alice.xmpp.write(`<message to='${room}' type='groupchat' id='cr'><body>cr[&#13;]lf[&#10;]end</body></message>`);
    await native.expect('message', (e) => e.message === ']end', 20_000);
    const said = native.events.filter((e) => e.event === 'message' && e.nick === 'Alice').map((e) => String(e.message));
    const longParts = said.slice(4, -3);
    expect(said.slice(0, 4)).toEqual(['tab[ ]', 'del[]', 'c1[]', 'fffd[\ufffd]']);
    expect(longParts.length).toBeGreaterThan(1);
    expect(longParts.join(' ')).toBe(long);
    expect(said.slice(-3)).toEqual(['cr[', ']lf[', ']end']);
    const fromAlice = rawLines.filter((l) => l.startsWith(':Alice!') && l.includes(' PRIVMSG #ctl '));
    expect(fromAlice).toHaveLength(said.length);
    for (const raw of fromAlice) {
      // irc-framework hands over each line with its CR LF: exactly one at the end, nothing inside.
      expect(raw.endsWith('\r\n')).toBe(true);
      const l = raw.slice(0, -2);
      expect(l).not.toMatch(/[\r\n\0]/);
      expect(Buffer.byteLength(l) + 2).toBeLessThanOrEqual(512);
    }
    // The sender sees what went out (reflection of the cleaned text).
    const refl = await waitFor(() => stack.alice.received.find((s) => s.is('message') && s.attrs.id === 'risky0' && s.attrs.type === 'groupchat'), 'the reflection');
    expect(body(refl)).toBe('tab[ ]');
    expect(stack.componentReconnects()).toBe(0);
  });
});
