/**
 * The channel list of a network (disco#items on `network@domain`) from IRC LIST
 * (RFC 2812 §3.2.6: 322 RPL_LIST … 323 RPL_LISTEND), paged with XEP-0059 RSM.
 */
import type { ItemsPage, PageRequest } from '../../src/core/bridge.js';
import { StanzaError } from '../../src/core/errors.js';
import type { SessionPort } from './session-port.js';
import { roomLocalpart } from './address.js';

const LIST_TIMEOUT_MS = 30_000;
const CACHE_MS = 60_000;
/** biboumi's default page size (default_channel_list_limit). */
export const DEFAULT_PAGE = 100;

interface Cached {
  at: number;
  channels: Array<{ channel: string; users: number; topic: string }>;
}

/** One RSM page of local parts; `after`/`before` are the item JIDs or local parts of the previous page. */
export function pageOf(localparts: string[], names: string[], page: PageRequest, domain: string): ItemsPage {
  const strip = (v: string) => v.replace(new RegExp(`@${domain.replace(/\./g, '\\.')}$`), '');
  const max = Math.min(page.max ?? DEFAULT_PAGE, DEFAULT_PAGE);
  let start = 0;
  let end = localparts.length;
  if (page.after !== undefined) {
    const i = localparts.indexOf(strip(page.after));
    if (i === -1) throw new StanzaError('item-not-found', 'No such item to page after.');
    start = i + 1;
  } else if (page.before !== undefined) {
    if (page.before !== '') {
      const i = localparts.indexOf(strip(page.before));
      if (i === -1) throw new StanzaError('item-not-found', 'No such item to page before.');
      end = i;
    }
    start = Math.max(0, end - max);
  } else if (page.index !== undefined) start = Math.min(page.index, localparts.length);
  const slice = localparts.slice(start, Math.min(end, start + max));
  return {
    items: slice.map((localpart, i) => ({ localpart, name: names[start + i]! })),
    count: localparts.length,
    firstIndex: start,
  };
}

/** A session's channel list, cached (created with the session, session-requests.ts). */
export class ChannelList {
  private cached: Cached | undefined;

  constructor(private readonly s: SessionPort) {}

  /** The network's channels (LIST), read again at most once a minute. */
  async list(): Promise<Cached['channels']> {
    const hit = this.cached;
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.channels;
    const channels: Cached['channels'] = [];
    const max = this.s.deps.config.bounds.list_channels;
    const done = this.s.awaitEvent(
      (e) => {
        if (e.type === 'listEntry') channels.push({ channel: e.channel, users: e.users, topic: e.topic });
        // At the bound the list ends there (an endless LIST cannot grow memory); later entries are ignored.
        return e.type === 'listEnd' || channels.length >= max ? true : undefined;
      },
      LIST_TIMEOUT_MS,
      () => new StanzaError('remote-server-timeout', 'The IRC server did not finish the channel list.'),
    );
    await this.s.sendLine('LIST', []);
    await done;
    channels.sort((a, b) => (a.channel < b.channel ? -1 : a.channel > b.channel ? 1 : 0));
    this.cached = { at: Date.now(), channels };
    return channels;
  }

  /** One RSM page of channels as room items. */
  items(channels: Cached['channels'], page: PageRequest): ItemsPage {
    const localparts = channels.map((c) => roomLocalpart(this.s.deps.networkAddr, c.channel, this.s.deps.fixed));
    return pageOf(
      localparts,
      channels.map((c) => c.channel),
      page,
      this.s.ctx.domain,
    );
  }
}
