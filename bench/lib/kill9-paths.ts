/** Per-path counts of bench/kill9.ts: what was sent, acknowledged, refused, delivered, copied. */
export interface Ids {
  id?: string | undefined;
  originId?: string | undefined;
  stanzaId?: string | undefined;
}

export class PathCounter {
  private readonly sentItems = new Set<number>();
  private readonly ackedItems = new Set<number>();
  private readonly errorItems = new Set<number>();
  /** Every copy received, by item, with its ids. */
  private readonly received = new Map<number, Ids[]>();
  copies = 0;

  /** `ids`: whether the path's copies carry stanza ids to compare (XMPP→IRC lines do not). */
  constructor(
    readonly path: string,
    private readonly ids = true,
  ) {}

  sent(i: number): void {
    this.sentItems.add(i);
  }
  acked(i: number): void {
    this.ackedItems.add(i);
  }
  /** Errors seen (up to 3), for the report. */
  readonly errorTexts = new Set<string>();
  error(i: number, text?: string): void {
    this.errorItems.add(i);
    if (text && this.errorTexts.size < 3) this.errorTexts.add(text);
  }
  delivered(i: number, ids: Ids): void {
    this.copies++;
    const list = this.received.get(i) ?? [];
    list.push(ids);
    this.received.set(i, list);
  }

  /** Acknowledged and not refused, not received yet. */
  missingItems(): number[] {
    return [...this.ackedItems].filter((i) => !this.errorItems.has(i) && !this.received.has(i));
  }
  missing(): number {
    return this.missingItems().length;
  }

  summary(): Record<string, unknown> {
    let duplicated = 0;
    let sameIds = 0;
    const differing: Array<{ item: number; copies: Ids[] }> = [];
    for (const [i, copies] of this.received) {
      if (copies.length < 2) continue;
      duplicated += copies.length - 1;
      const first = JSON.stringify(copies[0]);
      const same = copies.every((c) => JSON.stringify(c) === first && (c.id !== undefined || !this.ids));
      if (same) sameIds += copies.length - 1;
      else if (differing.length < 3) differing.push({ item: i, copies });
    }
    const deliveredUnacked = [...this.received.keys()].filter((i) => !this.ackedItems.has(i)).length;
    return {
      path: this.path,
      sent: this.sentItems.size,
      acknowledged: [...this.ackedItems].filter((i) => !this.errorItems.has(i)).length,
      errors: this.errorItems.size,
      delivered: this.received.size,
      delivered_unacknowledged: deliveredUnacked,
      lost: this.missing(),
      lost_items: this.missingItems().slice(0, 10),
      duplicated,
      duplicates_with_first_ids: this.ids ? sameIds : null,
      every_duplicate_first_ids: this.ids ? sameIds === duplicated : null,
      ...(differing.length ? { differing } : {}),
      ...(this.errorTexts.size ? { error_samples: [...this.errorTexts] } : {}),
    };
  }
}
