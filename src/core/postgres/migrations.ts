/**
 * Numbered schema migrations of the PostgreSQL store, in their own list: PostgreSQL migration N
 * brings `switchboard_schema.version` from N-1 to N. They are numbered apart from the SQLite ones
 * (src/core/sqlite/migrations.ts); PostgreSQL 1 creates the schema of SQLite 1-4 at once, 2 is SQLite 5. A new
 * SQLite migration that changes a mirrored table needs its counterpart here and a column in
 * tables.ts. Never edit a released migration: add a new one.
 */
import type pg from 'pg';

export const pgMigrations: readonly string[] = [
  // 1: the tables of SQLite migrations 1-4, and the lease that decides the active instance.
  `
  CREATE TABLE outbox (
    id BIGINT PRIMARY KEY,
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    bridge TEXT NOT NULL,
    "user" TEXT NOT NULL,
    okey TEXT NOT NULL,
    dedupe TEXT,
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    last_error TEXT
  );
  CREATE UNIQUE INDEX outbox_dedupe ON outbox (bridge, direction, dedupe) WHERE dedupe IS NOT NULL;

  CREATE TABLE message_map (
    bridge TEXT NOT NULL,
    "user" TEXT NOT NULL,
    xmpp_id TEXT NOT NULL,
    network_id TEXT NOT NULL,
    peer TEXT,
    thread TEXT,
    created_at BIGINT NOT NULL,
    resource TEXT,
    PRIMARY KEY (bridge, "user", xmpp_id)
  );

  CREATE TABLE bridge_kv (
    bridge TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (bridge, key)
  );

  CREATE TABLE registrations (
    bridge TEXT NOT NULL,
    "user" TEXT NOT NULL,
    first_seen BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    PRIMARY KEY (bridge, "user")
  );

  CREATE TABLE subscriptions (
    bridge TEXT NOT NULL,
    "user" TEXT NOT NULL,
    localpart TEXT NOT NULL,
    PRIMARY KEY (bridge, "user", localpart)
  );

  CREATE TABLE switchboard_lease (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    epoch BIGINT NOT NULL,
    acquired_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
  );
  `,
  // 2: SQLite 5, the bounce correlation (which inbound row a stanza sent to a user was).
  `
  CREATE TABLE bounce_track (
    bridge TEXT NOT NULL,
    "user" TEXT NOT NULL,
    stanza_id TEXT NOT NULL,
    row_id BIGINT NOT NULL,
    to_resource TEXT,
    at BIGINT NOT NULL,
    PRIMARY KEY (bridge, "user", stanza_id)
  );
  `,
  // 3: PostgreSQL only: the message map by network id, for sharded mode's look-up across slots
  // (a bounce that landed on another slot's instance, src/core/postgres/shared-handoff.ts).
  `CREATE INDEX message_map_network ON message_map (bridge, network_id)`,
];

/** Apply the migrations above the database's version, each in its own transaction, one migrator at a time. */
export async function migratePg(client: pg.ClientBase): Promise<number> {
  await client.query('CREATE TABLE IF NOT EXISTS switchboard_schema (version INTEGER NOT NULL)');
  for (;;) {
    await client.query('BEGIN');
    try {
      // Two instances starting together: the second waits here, then sees the new version.
      await client.query('SELECT pg_advisory_xact_lock(7310514)');
      const r = await client.query<{ version: number }>('SELECT version FROM switchboard_schema');
      const version = r.rows[0]?.version ?? 0;
      if (version > pgMigrations.length) {
        throw new Error(`the database schema (version ${version}) is newer than this Switchboard (${pgMigrations.length}); upgrade Switchboard`);
      }
      if (version === pgMigrations.length) {
        await client.query('COMMIT');
        return version;
      }
      await client.query(pgMigrations[version]!);
      if (r.rows.length === 0) await client.query('INSERT INTO switchboard_schema (version) VALUES (1)');
      else await client.query('UPDATE switchboard_schema SET version = $1', [version + 1]);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }
}
