/**
 * Numbered schema migrations. Migration N brings the schema from user_version N-1 to N
 * (`PRAGMA user_version`). Never edit a released migration: add a new one.
 */
export const migrations: readonly string[] = [
  // 1: the outbox, message map, key/value, users and subscriptions.
  `
  CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    bridge TEXT NOT NULL,
    user TEXT NOT NULL,
    okey TEXT NOT NULL,
    dedupe TEXT,
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    last_error TEXT
  );
  CREATE UNIQUE INDEX outbox_dedupe ON outbox (bridge, direction, dedupe) WHERE dedupe IS NOT NULL;
  CREATE INDEX outbox_heads ON outbox (bridge, direction, state, okey, id);
  CREATE INDEX outbox_done ON outbox (state, updated_at);

  CREATE TABLE message_map (
    bridge TEXT NOT NULL,
    user TEXT NOT NULL,
    xmpp_id TEXT NOT NULL,
    network_id TEXT NOT NULL,
    peer TEXT,
    thread TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (bridge, user, xmpp_id)
  );
  CREATE INDEX message_map_network ON message_map (bridge, network_id);

  CREATE TABLE bridge_kv (
    bridge TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (bridge, key)
  );

  CREATE TABLE registrations (
    bridge TEXT NOT NULL,
    user TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    PRIMARY KEY (bridge, user)
  );

  CREATE TABLE subscriptions (
    bridge TEXT NOT NULL,
    user TEXT NOT NULL,
    localpart TEXT NOT NULL,
    PRIMARY KEY (bridge, user, localpart)
  );
  `,
  // 2: the sending resource of a mapped message: a failure report (type='error') must go to a
  // full JID, servers drop error messages to a bare JID (RFC 6121 §8.5.2.1.1).
  `ALTER TABLE message_map ADD COLUMN resource TEXT;`,
  // 3: partial indexes. A row is indexed for the lane only while pending, for pruning only once
  // done, and for the dead-letter list only while dead: an item sent in the turn it arrived
  // costs fewer index writes (outbox_heads kept every finished row, outbox_done every row).
  `
  DROP INDEX outbox_heads;
  DROP INDEX outbox_done;
  CREATE INDEX outbox_pending ON outbox (bridge, direction, okey, id) WHERE state = 'pending';
  CREATE INDEX outbox_finished ON outbox (updated_at) WHERE state = 'done';
  CREATE INDEX outbox_dead ON outbox (bridge, id) WHERE state = 'dead';
  `,
  // 4: the key/value table keyed by its primary key alone (WITHOUT ROWID): a write touches one
  // B-tree instead of the table and its primary-key index. (Not message_map: without ANALYZE the
  // planner would then prefer its primary key over message_map_network for lookups by network id.)
  `
  CREATE TABLE bridge_kv_new (
    bridge TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (bridge, key)
  ) WITHOUT ROWID;
  INSERT INTO bridge_kv_new SELECT bridge, key, value FROM bridge_kv;
  DROP TABLE bridge_kv;
  ALTER TABLE bridge_kv_new RENAME TO bridge_kv;
  `,
  // 5: which inbound outbox row a stanza sent to a user was, until the XMPP server could have
  // bounced it (design.md §5). In the store, so that a bounce after a restart of the gateway still
  // puts its item back; written in the group commit of the delivery itself. Keyed by what a bounce
  // carries (bridge, user, stanza id), WITHOUT ROWID: one B-tree plus the age index for pruning.
  `
  CREATE TABLE bounce_track (
    bridge TEXT NOT NULL,
    user TEXT NOT NULL,
    stanza_id TEXT NOT NULL,
    row_id INTEGER NOT NULL,
    to_resource TEXT,
    at INTEGER NOT NULL,
    PRIMARY KEY (bridge, user, stanza_id)
  ) WITHOUT ROWID;
  CREATE INDEX bounce_track_age ON bounce_track (bridge, at);
  `,
];
