// Search contexts (RFC 5267 §4.3, CONTEXT=SEARCH): a SEARCH with RETURN (UPDATE) stays with the
// selected mailbox, and whenever the answer an unmodified repeat of it would give changes, the
// client is told with `ESEARCH (TAG …) ADDTO` / `REMOVEFROM`, at the points where the session may
// speak (docs/ARCHITECTURE.md §4). Contexts end with CANCELUPDATE or when the mailbox is left.
//
// Cost of keeping one: flags, UIDs, message numbers, sizes, internal dates and MODSEQs are answered
// by the mailbox index without reading a message. Keys that read content (header fields, text, the
// Date: header) cannot change their answer for a message once it is stored, so each such key is
// evaluated once per message: over the mailbox when the context is made, and then only over
// messages that arrived since (one query restricted to their UIDs). Its matches are kept as UIDs
// and stand in for the key when the whole query is evaluated again on the index.
import type { SearchKey as StoreKey } from '../store/index.ts';
import type { SearchKey } from './protocol/parse.ts';
import { formatSequenceSet, type ResponseWriter } from './protocol/response.ts';
import { contentKeys, toStoreKey } from './search-query.ts';
import type { SelectedMailbox } from './selected.ts';

/** The store's search over one mailbox (UIDs, ascending). */
export type Searcher = (mailbox: string, key: StoreKey) => Promise<number[]>;

export class SearchContext {
  /** The result as the client knows it: UIDs, ascending. */
  result: number[] = [];
  /** Content keys and the UIDs known to match each (parsed nodes of `key`). */
  private readonly known = new Map<SearchKey, number[]>();
  private readonly contentKeys: SearchKey[];
  /** Content keys have been evaluated for every UID up to this one. */
  private checked = 0;

  constructor(
    readonly tag: string,
    readonly uid: boolean,
    private readonly key: SearchKey,
  ) {
    this.contentKeys = contentKeys(key);
  }

  /** The UIDs of the session's view that match now. */
  async evaluate(box: SelectedMailbox, search: Searcher): Promise<number[]> {
    const top = box.maxUid;
    if (this.contentKeys.length && top > this.checked) {
      const fresh: StoreKey = { type: 'uid', uids: [[this.checked + 1, top]] };
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
    const removed = this.result.filter((u) => gone.has(u));
    if (!removed.length) return;
    this.result = this.result.filter((u) => !gone.has(u));
    out.untagged(this.line('REMOVEFROM', removed, box));
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
    const before = new Set(this.result);
    const after = new Set(now);
    const removed = this.result.filter((u) => !after.has(u));
    const added = now.filter((u) => !before.has(u));
    this.result = now;
    if (removed.length) out.untagged(this.line('REMOVEFROM', removed, box));
    if (added.length) out.untagged(this.line('ADDTO', added, box));
  }

  /** RFC 5267 §4.3: the position is 0 for an unsorted SEARCH; numbers are UIDs after UID SEARCH. */
  private line(what: 'ADDTO' | 'REMOVEFROM', uids: readonly number[], box: SelectedMailbox): string {
    const ids = this.uid ? uids : uids.map((u) => box.seqOf(u));
    return `ESEARCH (TAG "${this.tag}")${this.uid ? ' UID' : ''} ${what} (0 ${formatSequenceSet(ids)})`;
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
