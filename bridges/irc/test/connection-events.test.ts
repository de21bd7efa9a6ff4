// The typed event stream of an IRC connection on a real server (ngircd): the connection's own
// registered and closed, and the answers the bridge waits for (PONG, a refusal, LIST, CTCP) as
// named events, never lines (design.md §4b).
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/helpers/wait.js';
import { IrcConnection } from '../client/connection.js';
import type { IrcEvent } from '../client/events.js';
import { unique, useNgircd } from './helpers.js';

const ircd = useNgircd();

function open(nick: string): { conn: IrcConnection; events: IrcEvent[] } {
  const conn = new IrcConnection({
    server: { host: '127.0.0.1', port: ircd().port, tls: false, tls_verify: true },
    nick,
    username: 'u',
    realname: 'r',
    sasl: { mechanism: 'none' },
    encodingFallback: 'latin1',
    connectTimeoutMs: 10_000,
    pingIntervalMs: 60_000,
    maxLineBytes: 8703,
    capLsLines: 32,
  });
  const events: IrcEvent[] = [];
  conn.on('event', (e) => events.push(e));
  return { conn, events };
}

describe('the IRC connection’s typed events (ngircd)', () => {
  const opened: IrcConnection[] = [];
  afterEach(() => {
    for (const c of opened.splice(0)) c.destroy('test over');
  });

  it('reports registered with its nick once, then closed with the reason', async () => {
    const nick = `E${unique()}`;
    const { conn, events } = open(nick);
    opened.push(conn);
    await conn.connect();
    expect(events.filter((e) => e.type === 'registered')).toEqual([{ type: 'registered', nick }]);
    conn.quit('bye');
    const closed = await waitFor(() => events.find((e) => e.type === 'closed'), 'closed event');
    expect(closed).toMatchObject({ type: 'closed', banned: false });
  });

  it('answers a PING with pong, a TOPIC off the channel with refused not-on-channel, LIST with listEnd, and carries CTCP as ctcp', async () => {
    const id = unique();
    const { conn, events } = open(`F${id}`);
    opened.push(conn);
    await conn.connect();
    conn.writeNow('PING', [`tok${id}`]);
    await waitFor(() => events.find((e) => e.type === 'pong' && e.token === `tok${id}`), 'pong');
    conn.writeNow('TOPIC', [`#none${id}`, 'new']);
    const refusal = await waitFor(() => events.find((e) => e.type === 'refused'), 'refused');
    // ngircd answers 403 (no such channel) or 442 (not on it): either way a reason, the channel and the text.
    expect(refusal).toMatchObject({ type: 'refused', target: `#none${id}` });
    expect(['no-such-channel', 'not-on-channel']).toContain(refusal.type === 'refused' ? refusal.reason : '');
    conn.writeNow('LIST', []);
    await waitFor(() => events.find((e) => e.type === 'listEnd'), 'listEnd');
    const other = open(`G${id}`);
    opened.push(other.conn);
    await other.conn.connect();
    other.conn.writeNow('PRIVMSG', [conn.nick, '\x01VERSION\x01']);
    const ctcp = await waitFor(() => events.find((e) => e.type === 'ctcp'), 'ctcp');
    expect(ctcp).toMatchObject({ type: 'ctcp', kind: 'request', command: 'VERSION', args: '', target: conn.nick, source: { nick: `G${id}` } });
    expect(events.some((e) => e.type === 'message' && e.text.includes('\x01'))).toBe(false);
  });
});
