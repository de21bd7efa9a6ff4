/**
 * Moving the archive of earlier versions into the core's (issue 11): the IRC bridge kept it in its
 * own key/value namespace as `arch:<user>\n<network>\n<channel or @nick>\n<seq>`; the core keeps
 * `<user>\n<conversation>\n<seq>` in `core:archive:irc`, with the same conversation keys
 * (conversations.ts). Run at start: each old conversation is appended in order (ids and stamps
 * kept, the retention applied) and its old keys deleted, so a second run finds nothing.
 */
import type { BridgeArchive, KeyValueStore } from '../../src/core/bridge.js';
import type { ArchiveEntry } from '../../src/core/archive-query.js';

const OLD_PREFIX = 'arch:';

/** Returns the number of messages moved. */
export function migrateArchive(kv: KeyValueStore, archive: BridgeArchive): number {
  let moved = 0;
  for (const { key, value } of kv.list<ArchiveEntry>(OLD_PREFIX)) {
    const parts = key.slice(OLD_PREFIX.length).split('\n');
    // user, network, channel or @nick, sequence number
    if (parts.length === 4) {
      const [user, network, conversation] = parts as [string, string, string, string];
      archive.append(user, `${network}\n${conversation}`, { id: value.id, stamp: value.stamp, nick: value.nick, body: value.body, ...(value.outgoing ? { outgoing: true } : {}) });
      moved++;
    }
    kv.delete(key);
  }
  return moved;
}
