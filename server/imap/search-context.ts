// Search contexts (RFC 5267 §4.3, CONTEXT=SEARCH and CONTEXT=SORT): a SEARCH or SORT with RETURN
// (UPDATE) stays with the selected mailbox, and whenever the answer an unmodified repeat of it
// would give changes, the client is told with `ESEARCH (TAG …) ADDTO` / `REMOVEFROM`, at the points
// where the session may speak (docs/ARCHITECTURE.md §4). Contexts end with CANCELUPDATE or when the
// mailbox is left.
//
// Cost of keeping one: flags, UIDs, message numbers, sizes, internal dates and MODSEQs are answered
// by the mailbox index without reading a message. Keys that read content (header fields, text, the
// Date: header) cannot change their answer for a message once it is stored, so each such key is
// evaluated once per message: over the mailbox when the context is made, and then only over
// messages that arrived since (those documents alone). Its matches are kept as UIDs
// and stand in for the key when the whole query is evaluated again on the index.
//
// A sorted context keeps what its criteria order by for each message of its result: no sort key
// of a message ever changes, so only messages that join the result are read (subjects and
// addresses from their documents), and the order of those that stay never changes.
import type { SearchKey as StoreKey } from '../store/index.ts';
import type { SearchKey } from './protocol/parse.ts';
import { formatSequenceSet, type ResponseWriter } from './protocol/response.ts';
import { contentKeys, toStoreKey } from './search-query.ts';
import type { SelectedMailbox } from './selected.ts';
import { sortIds, type SortCriterion, type SortItem } from './sort/order.ts';

/** The store's search over one mailbox (UIDs, ascending). */
export type Searcher = (mailbox: string, key: StoreKey) => Promise<number[]>;

/** A SORT context's order: its criteria, and how to read what they order by (ids are UIDs). */
export interface SortOrder {
  criteria: readonly SortCriterion[];
  load(uids: readonly number[]): Promise<SortItem[]>;
}

/** `[position, uid]`, 1-based positions in a sorted result. */
type Placed = Array<[number, number]>;

export class SearchContext {
  /** The result as the client knows it: UIDs, ascending (SEARCH) or in sort order (SORT). */
  result: number[] = [];
  /** SORT: what the criteria order by, for each message of the result. */
  private readonly items = new Map<number, SortItem>();
  /** Content keys and the UIDs known to match each (parsed nodes of `key`). */
  private readonly known = new Map<SearchKey, number[]>();
  private readonly contentKeys: SearchKey[];
  /** Content keys have been evaluated for every UID up to this one. */
  private checked = 0;

  constructor(
    readonly tag: string,
    readonly uid: boolean,
    private readonly key: SearchKey,
    private readonly order?: SortOrder,
  ) {
    this.contentKeys = contentKeys(key);
  }

  /** The first answer, which becomes the result the client knows. */
  async start(box: SelectedMailbox, search: Searcher): Promise<number[]> {
    this.result = await this.ordered(await this.evaluate(box, search));
    return this.result;
  }

  /** `uids` (ascending) in the context's order; for SORT, those whose sort keys could be read. */
  private async ordered(uids: number[]): Promise<number[]> {
    if (!this.order) return uids;
    const missing = uids.filter((u) => !this.items.has(u));
    if (missing.length) for (const it of await this.order.load(missing)) this.items.set(it.id, it);
    const items: SortItem[] = [];
    for (const u of uids) {
      const it = this.items.get(u);
      if (it) items.push(it);
    }
    return sortIds(items, this.order.criteria);
  }

  /** The UIDs of the session's view that match now. */
  async evaluate(box: SelectedMailbox, search: Searcher): Promise<number[]> {
    const top = box.maxUid;
    if (this.contentKeys.length && top > this.checked) {
      // the UIDs themselves, not a range: the store reads a few messages it knows by their ids
      let i = box.uids.length;
      while (i > 0 && box.uids[i - 1]! > this.checked) i--;
      const fresh: StoreKey = { type: 'uid', uids: box.uids.slice(i) };
      for (const k of this.contentKeys) {
        const key = toStoreKey(k, box);
        const found = await search(box.id, this.checked ? { type: 'and', keys: [fresh, key] } : key);
        // expunged messages are forgotten; UIDs the session does not know yet stay for later
        const had = (this.known.get(k) ?? []).filter((u) => u > top || box.has(u));
        this.known.set(k, mergeAscending(had, found));
      }
      this.checked = top;
    }
    const found = await search(
      box.id,
      toStoreKey(this.key, box, (k) => this.known.get(k)),
    );
    return found.filter((u) => box.has(u));
  }

  /** Before the client is told of expunges: they leave the result while their message numbers are
   * still the client's (RFC 3501 §7.4.1). */
  expunging(gone: ReadonlySet<number>, box: SelectedMailbox, out: ResponseWriter): void {
    if (!this.result.some((u) => gone.has(u))) return;
    this.replace(
      this.result.filter((u) => !gone.has(u)),
      box,
      out,
    );
  }

  /** Evaluates again and tells the client what left and what joined. `held` are UIDs expunged
   * whose EXPUNGE is held back: the client still has them, so they stay as they were. */
  async refresh(
    box: SelectedMailbox,
    search: Searcher,
    out: ResponseWriter,
    held: ReadonlySet<number>,
  ): Promise<void> {
    let now = await this.evaluate(box, search);
    if (held.size) {
      const kept = this.result.filter((u) => held.has(u));
      if (kept.length) now = mergeAscending(now, kept);
    }
    this.replace(await this.ordered(now), box, out);
  }

  /** Makes `next` the result and tells the client the difference: REMOVEFROM first, then ADDTO. */
  private replace(next: number[], box: SelectedMailbox, out: ResponseWriter): void {
    const before = new Set(this.result);
    const after = new Set(next);
    const removed: Placed = [];
    this.result.forEach((u, i) => {
      if (!after.has(u)) removed.push([i + 1, u]);
    });
    const added: Placed = [];
    next.forEach((u, i) => {
      if (!before.has(u)) added.push([i + 1, u]);
    });
    for (const [, u] of removed) this.items.delete(u);
    this.result = next;
    if (removed.length) out.untagged(this.line('REMOVEFROM', removed, box, true));
    if (added.length) out.untagged(this.line('ADDTO', added, box, false));
  }

  /**
   * RFC 5267 §4.3: `ADDTO (position set …)`. An unsorted SEARCH has position 0 and one set. A
   * sorted one names runs of consecutive positions, each the position of its first message
   * followed by its messages in order: removals by their positions before, highest run first, and
   * additions by their positions after, lowest first, so applying them one after the other or all
   * at once gives the same result. Numbers are UIDs after UID SEARCH / UID SORT.
   */
  private line(
    what: 'ADDTO' | 'REMOVEFROM',
    placed: Placed,
    box: SelectedMailbox,
    descending: boolean,
  ): string {
    const id = (u: number) => (this.uid ? u : box.seqOf(u));
    let data: string;
    if (!this.order) {
      data = `0 ${formatSequenceSet(placed.map(([, u]) => id(u)))}`;
    } else {
      const runs: Array<{ at: number; ids: number[] }> = [];
      for (const [p, u] of placed) {
        const last = runs[runs.length - 1];
        if (last && last.at + last.ids.length === p) last.ids.push(id(u));
        else runs.push({ at: p, ids: [id(u)] });
      }
      if (descending) runs.reverse();
      data = runs.map((r) => `${r.at} ${formatSequenceSet(r.ids, true)}`).join(' ');
    }
    return `ESEARCH (TAG "${this.tag}")${this.uid ? ' UID' : ''} ${what} (${data})`;
  }
}

/** Union of two ascending lists, ascending, without repeats. */
function mergeAscending(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!;
    if (out[out.length - 1] !== x) out.push(x);
  }
  return out;
}
