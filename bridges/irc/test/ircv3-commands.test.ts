// The typed IRCv3 commands of client/ircv3-commands.ts as they go on the wire, and when the server takes them.
import { describe, expect, it } from 'vitest';
import { canRedact, canSendTag, redact, tagmsg } from '../client/ircv3-commands.js';
import { Isupport } from '../client/isupport.js';
import { serializeLine } from '../client/line.js';

const wire = (l: { command: string; params: string[]; tags: Record<string, string> }) => serializeLine(l.command, l.params, l.tags);

describe('IRCv3 commands', () => {
  it.each([
    [tagmsg('#c', { react: '👍', reply: 'm1' }), '@+draft/reply=m1;+draft/react=👍 TAGMSG #c'],
    [tagmsg('#c', { unreact: '🎉', reply: 'm1' }), '@+draft/reply=m1;+draft/unreact=🎉 TAGMSG #c'],
    [tagmsg('bob', { typing: 'active' }), '@+typing=active TAGMSG bob'],
    [tagmsg('#c', { react: 'so good; yes' , reply: 'm1' }), '@+draft/reply=m1;+draft/react=so\\sgood\\:\\syes TAGMSG #c'],
    [redact('#c', 'm1'), 'REDACT #c m1'],
    [redact('#c', 'm1', 'typo'), 'REDACT #c m1 typo'],
    [redact('#c', 'm1', 'wrong room'), 'REDACT #c m1 :wrong room'],
  ])('%j', (line, expected) => {
    expect(wire(line)).toBe(expected);
  });

  it('a msgid that would be two parameters is never written', () => {
    expect(() => wire(redact('#c', 'm1 QUIT'))).toThrow(/unsafe/);
  });

  it('client tags need message-tags and a tag the server does not deny; REDACT needs draft/message-redaction', () => {
    const isupport = new Isupport();
    expect(canSendTag(undefined, '+typing')).toBe(false);
    expect(canSendTag({ caps: new Set(), isupport }, '+typing')).toBe(false);
    expect(canSendTag({ caps: new Set(['message-tags']), isupport }, '+typing')).toBe(true);
    isupport.apply(['CLIENTTAGDENY=*,-draft/react,-draft/reply']);
    expect(canSendTag({ caps: new Set(['message-tags']), isupport }, '+typing')).toBe(false);
    expect(canSendTag({ caps: new Set(['message-tags']), isupport }, '+draft/react')).toBe(true);
    expect(canRedact({ caps: new Set(['message-tags']), isupport })).toBe(false);
    expect(canRedact({ caps: new Set(['draft/message-redaction']), isupport })).toBe(true);
  });
});
