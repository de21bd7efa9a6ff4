// What one inbound mail costs the store (issue 10's cost limit): its conversation record and its
// outbox row are written in the turn that ends with the 250, so they ride ONE group commit (the
// one `ctx.deliver` awaits). An await between the two (the record written after the deliver, or
// after an async step) would make a second commit per mail: this test fails then.
// COMMITs are counted on better-sqlite3 itself: every group commit is `db.exec('COMMIT')`
// (src/core/sqlite/group-commit.ts).
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { runSwaks } from '../../../test/helpers/email-swaks.js';
import { startEmailBridge, unique, type EmailHarness } from './support.js';

const exec = Database.prototype.exec;
let commits = 0;
let h: EmailHarness | undefined;

afterEach(async () => {
  Database.prototype.exec = exec;
  await h?.close();
  h = undefined;
});

function countCommits(): void {
  commits = 0;
  Database.prototype.exec = function (this: Database.Database, sql: string) {
    if (sql === 'COMMIT') commits += 1;
    return exec.call(this, sql);
  };
}

/** Lets a commit that nobody awaited (at the end of the turn that wrote it) happen. */
const afterTurns = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe('email inbound: the store writes of one mail', () => {
  it('commits the conversation record and the outbox row of a mail in one group commit, before the 250', async () => {
    const local = unique('u');
    const user = `${local}@example.org`;
    h = await startEmailBridge({ users: [user] });
    await afterTurns(); // the bridge's start writes (the attachment store's key) are committed first
    countCommits();
    const mid = `${unique('m')}@example.com`;
    const r = await runSwaks(h.smtpPort, ['--from', 'carol@example.com', '--to', `${local}@mail.example.org`, '--header', `Message-Id: <${mid}>`, '--header', 'Subject: One commit', '--body', 'Hi']);
    expect(r.code, r.output).toBe(0);
    await afterTurns();
    expect(commits).toBe(1);
    // Both writes are in it: the message and the conversation the thread was recorded in.
    expect(h.t.inbound()).toMatchObject([{ kind: 'message', user, body: 'Hi', subject: 'One commit' }]);
    expect(h.t.ctx.kv.get(`conv:${user}|carol\\40example.com`)).toBeDefined();
  });
});
