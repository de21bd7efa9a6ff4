// XEP-0424 §6 in the embedded store: a retracted message's text is gone from the database file,
// not only hidden from queries. Without `secure_delete`, SQLite leaves an overwritten row's old
// bytes in the page's free space, where any copy of the file still shows them.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CoreArchive } from '../../src/core/archive.js';
import { openSqliteStore } from '../../src/core/sqlite/store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('a retraction in the SQLite store', () => {
  it('leaves no trace of the text in the database file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-retract-'));
    dirs.push(dir);
    const path = join(dir, 'switchboard.sqlite');
    const store = openSqliteStore({ path, synchronous: 'normal' });
    const archive = new CoreArchive(store.kv('core:archive:irc'), { now: () => Date.parse('2026-03-01T12:00:00Z') });
    // Neighbours on the same page, so the row is rewritten in place among others.
    for (let i = 0; i < 50; i++) archive.append('a@example.org', 'test\n#c', { id: `b${i}`, nick: 'bob', body: `before ${i}` });
    archive.append('a@example.org', 'test\n#c', { id: 'x', nick: 'bob', body: 'my password is hunter2-7f3a' });
    for (let i = 0; i < 50; i++) archive.append('a@example.org', 'test\n#c', { id: `a${i}`, nick: 'bob', body: `after ${i}` });
    await store.flush();
    expect(archive.retract('a@example.org', 'test\n#c', 'x')).toBe(true);
    await store.flush();
    store.close(); // checkpoints the WAL into the file
    expect(readFileSync(path).includes('hunter2-7f3a')).toBe(false);
    expect(readFileSync(path).includes('after 49')).toBe(true);
  });
});
