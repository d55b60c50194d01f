// The selected mailbox as this session knows it (docs/ARCHITECTURE.md §4): its UIDs in order (message number n is
// the n-th UID), the MODSEQ up to which the journal has been applied, and the session's \Recent set.
// The journal is applied only when the running command allows it (see commands' `sync` rule).
import type { MailboxView, UidSet } from '../store/index.ts';
import { ProtocolError } from './protocol/errors.ts';
import type { SequenceSet } from './protocol/parse.ts';
import type { ResponseWriter } from './protocol/response.ts';
import type { RecentMarks } from './recent.ts';
import { SYSTEM_FLAGS, flagList } from './format.ts';
import { wireModseq } from './modseq.ts';
import { formatSequenceSet } from './protocol/response.ts';
import type { SearchContext, Searcher } from './search-context.ts';

/** The shared mailbox index, with every change up to `atLeast` (default: the mailbox's latest). */
export type ViewOf = (mailbox: string, atLeast?: number) => Promise<MailboxView | null>;

/** What may be said before a tagged reply (RFC 3501 §7.4.1, RFC 9051 §7.5.1). */
export type SyncRule = 'all' | 'no-expunge' | 'none';

export interface SelectedInit {
  id: string;
  path: string;
  readOnly: boolean;
  uidValidity: number;
  uidNext: number;
  modseq: number;
  uids: number[];
  recent: Set<number>;
  /** The mailbox's keywords at SELECT (FLAGS and PERMANENTFLAGS). */
  keywords: readonly string[];
}

export class SelectedMailbox {
  readonly id: string;
  readonly path: string;
  readonly readOnly: boolean;
  readonly uidValidity: number;
  uidNext: number;
  /** Ascending; message number n is uids[n - 1]. */
  uids: number[];
  recent: Set<number>;
  /** Flag changes up to this MODSEQ have been told. */
  private cursor: number;
  /** Set by a beacon for this mailbox; cleared at the next sync. */
  dirty = false;
  /** Highest MODSEQ beacons announced for this mailbox since the last sync (0: none known). */
  want = 0;
  /** MODSEQs of flag changes this session made and already reported (or was asked not to). */
  private readonly own = new Set<number>();
  /** The saved search result (RFC 5182 §2.1) as UIDs, ascending: empty at SELECT; expunged
   * messages drop out of it as they leave `uids`. */
  saved: number[] = [];
  /** RFC 7162 §3.1: flag changes come with MODSEQ once CONDSTORE is enabled. */
  condstore = false;
  /** RFC 7162 §3.2.10: expunges come as VANISHED once QRESYNC is enabled. */
  qresync = false;
  /** Live searches (RFC 5267 §4.3) by tag; they end with the selection. */
  readonly contexts = new Map<string, SearchContext>();
  /** Keywords the client has been told of in FLAGS (RFC 3501 §7.2.6): lower case → spelling. */
  private readonly told = new Map<string, string>();

  constructor(init: SelectedInit) {
    this.id = init.id;
    this.path = init.path;
    this.readOnly = init.readOnly;
    this.uidValidity = init.uidValidity;
    this.uidNext = init.uidNext;
    this.cursor = init.modseq;
    this.uids = init.uids;
    this.recent = init.recent;
    for (const k of init.keywords) if (!this.told.has(k.toLowerCase())) this.told.set(k.toLowerCase(), k);
  }

  /** FLAGS and PERMANENTFLAGS (RFC 3501 §7.2.6, §7.1): system flags and the keywords told of. */
  writeFlags(out: ResponseWriter): void {
    const all = [...SYSTEM_FLAGS, ...this.told.values()].join(' ');
    out.untagged(`FLAGS (${all})`);
    out.untagged(
      this.readOnly
        ? 'OK [PERMANENTFLAGS ()] Read-only mailbox'
        : `OK [PERMANENTFLAGS (${all} \\*)] Flags permitted`,
    );
  }

  /** Before a response shows `flags`: a keyword the client was not told of yet is announced with
   * FLAGS and PERMANENTFLAGS first, so clients never see a flag outside the mailbox's list. */
  announceKeywords(flags: readonly string[], out: ResponseWriter): void {
    let fresh = false;
    for (const f of flags) {
      const lower = f.toLowerCase();
      if (f.startsWith('\\') || this.told.has(lower)) continue;
      this.told.set(lower, f);
      fresh = true;
    }
    if (fresh) this.writeFlags(out);
  }

  /** The stored MODSEQ the session's view is complete up to (HIGHESTMODSEQ, RFC 7162 §3.1.2.1). */
  get highestModseq(): number {
    return this.cursor;
  }

  /** ` MODSEQ (n)` for a FETCH response once CONDSTORE is enabled, else nothing. */
  modseqItem(stored: number | undefined): string {
    return this.condstore && stored !== undefined ? ` MODSEQ (${wireModseq(stored)})` : '';
  }

  /** After each command while searches are live: the session's own changes (STORE, EXPUNGE…) are
   * already in this process's index, and reach its contexts at the next sync. */
  recheck(): void {
    if (!this.contexts.size) return;
    this.dirty = true;
    this.want = Math.max(this.want, this.cursor);
  }

  /** Removes expunged UIDs from the view and tells the client: one `VANISHED` with QRESYNC
   * (RFC 7162 §3.2.10), else an EXPUNGE each, every number counting the ones before it
   * (RFC 3501 §7.4.1). */
  private forget(uids: readonly number[], out: ResponseWriter): void {
    if (this.contexts.size) {
      // live results lose them first, while their message numbers are still the client's
      const set = new Set(uids);
      for (const c of this.contexts.values()) c.expunging(set, this, out);
    }
    const told: number[] = [];
    for (const uid of uids) {
      const i = this.indexOf(uid);
      if (i < 0) continue;
      this.uids.splice(i, 1);
      this.recent.delete(uid);
      if (this.qresync) told.push(uid);
      else out.untagged(`${i + 1} EXPUNGE`);
    }
    if (told.length) out.untagged(`VANISHED ${formatSequenceSet(told)}`);
  }

  get exists(): number {
    return this.uids.length;
  }

  get maxUid(): number {
    return this.uids[this.uids.length - 1] ?? 0;
  }

  /** Index of `uid` in `uids`, or -1. */
  indexOf(uid: number): number {
    let lo = 0;
    let hi = this.uids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.uids[mid]!;
      if (v === uid) return mid;
      if (v < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Message number of `uid`, 0 when not in the session's view. */
  seqOf(uid: number): number {
    return this.indexOf(uid) + 1;
  }

  has(uid: number): boolean {
    return this.indexOf(uid) >= 0;
  }

  /**
   * Message numbers → UID ranges. RFC 3501 §9: a number above EXISTS is an error; `*` is the last
   * message (an empty mailbox makes `*` an empty set, which clients send when resyncing).
   */
  seqToUids(set: SequenceSet): UidSet {
    if (set.saved) return this.savedUids();
    const out: Array<[number, number]> = [];
    if (this.exists === 0) {
      if (set.every((r) => r.start === '*' || r.end === '*')) return out;
      throw new ProtocolError('No messages in the mailbox');
    }
    for (const [a, b] of resolveStar(set, this.exists)) {
      if (b > this.exists) throw new ProtocolError(`Message number ${b} does not exist`);
      out.push([this.uids[a - 1]!, this.uids[b - 1]!]);
    }
    return out;
  }

  /** UID ranges with `*` resolved to the highest UID (RFC 3501 §6.4.8). UIDs above it stay as
   * they are: they name nothing, which is not an error for UIDs. */
  uidRanges(set: SequenceSet): UidSet {
    if (set.saved) return this.savedUids();
    return resolveStar(set, this.maxUid);
  }

  /** `$` (RFC 5182 §2.1): the saved messages still in the session's view. */
  savedUids(): number[] {
    return this.saved.filter((u) => this.has(u));
  }

  /** How many of the session's messages fall in `uids` (overlapping ranges counted once). */
  countInView(uids: UidSet): number {
    const ranges = uids
      .map((u) => (typeof u === 'number' ? [u, u] : [Math.min(u[0], u[1]), Math.max(u[0], u[1])]))
      .sort((x, y) => x[0]! - y[0]!);
    let count = 0;
    let covered = 0;
    for (const [lo, hi] of ranges as Array<[number, number]>) {
      const from = Math.max(lo, covered + 1);
      if (from > hi) continue;
      count += this.lowerBound(hi + 1) - this.lowerBound(from);
      covered = hi;
    }
    return count;
  }

  /** Index of the first UID >= `uid`. */
  private lowerBound(uid: number): number {
    let lo = 0;
    let hi = this.uids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.uids[mid]! < uid) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Records STORE results this session reports itself, so the journal does not repeat them. */
  markOwn(modseqs: Iterable<number>): void {
    for (const m of modseqs) this.own.add(m);
  }

  /** Forgets `uids` this session expunged itself and tells the client (EXPUNGE, MOVE). */
  removeOwn(uids: readonly number[], out: ResponseWriter): void {
    this.forget(uids, out);
  }

  /**
   * Brings the session up to the mailbox index (docs/ARCHITECTURE.md §4), telling the client what
   * `rule` allows: EXPUNGEs, then EXISTS/RECENT, then FETCH for flags others changed. The index
   * is shared by the process; what changed is found by comparing it with this session's view
   * (UIDs it knows, the MODSEQ it has seen), so no change is missed whichever way it arrived.
   * Returns true when an EXPUNGE was held back for a later sync.
   */
  async sync(
    rule: SyncRule,
    deps: { view: ViewOf; recent: RecentMarks; out: ResponseWriter; search?: Searcher },
    force = false,
  ): Promise<boolean> {
    if (rule === 'none' || (!this.dirty && !force)) return false;
    this.dirty = false;
    const want = force ? undefined : this.want;
    this.want = 0;
    const v = await deps.view(this.id, want || undefined);
    if (!v) return false; // deleted meanwhile: nothing more will change in it
    const { out } = deps;

    // everything below reads the shared index before the next await
    const gone: number[] = [];
    const changed: Array<{ uid: number; flags: readonly string[]; modseq: number }> = [];
    let j = 0;
    for (const uid of this.uids) {
      while (j < v.entries.length && v.entries[j]!.uid < uid) j++;
      const e = v.entries[j];
      if (!e || e.uid !== uid) gone.push(uid);
      else if (e.modseq > this.cursor && !this.own.has(e.modseq))
        changed.push({ uid, flags: e.flags, modseq: e.modseq });
    }
    const top = this.maxUid;
    const added: number[] = [];
    const addedFlags: Array<readonly string[]> = [];
    for (let i = v.entries.length - 1; i >= 0 && v.entries[i]!.uid > top; i--) {
      added.push(v.entries[i]!.uid);
      addedFlags.push(v.entries[i]!.flags);
    }
    added.reverse();
    const moved = v.modseq > this.cursor;
    this.cursor = Math.max(this.cursor, v.modseq);
    for (const m of this.own) if (m <= this.cursor) this.own.delete(m);

    let heldBack = false;
    if (gone.length && rule === 'no-expunge') {
      // RFC 3501 §7.4.1: no EXPUNGE while answering FETCH, STORE or SEARCH
      heldBack = true;
      this.dirty = true;
    } else if (gone.length) {
      this.forget(gone, out);
    }
    if (added.length) {
      for (const f of addedFlags) this.announceKeywords(f, out);
      for (const uid of added) this.uids.push(uid);
      this.uidNext = Math.max(this.uidNext, this.maxUid + 1);
      if (!this.readOnly) {
        // the first session to learn of new messages has them as \Recent
        const prev = await deps.recent.claim(this.id, this.maxUid);
        for (const uid of added) if (uid > prev) this.recent.add(uid);
      }
      out.untagged(`${this.exists} EXISTS`);
      out.untagged(`${this.recent.size} RECENT`);
    }
    for (const c of changed) {
      const n = this.seqOf(c.uid);
      if (n === 0) continue;
      this.announceKeywords(c.flags, out);
      const fl = flagList([...c.flags], this.recent.has(c.uid));
      out.untagged(`${n} FETCH (UID ${c.uid} FLAGS ${fl}${this.modseqItem(c.modseq)})`);
      await out.maybeFlush();
    }
    if (this.contexts.size && deps.search && (moved || gone.length || added.length)) {
      const held = new Set(heldBack ? gone : []);
      for (const c of [...this.contexts.values()]) await c.refresh(this, deps.search, out, held);
    }
    return heldBack;
  }
}

/** Each range with `*` as `max`, low end first (RFC 3501 §9: `4:2` is `2:4`; §6.4.8 for `n:*`
 * with n above the largest UID). */
export function resolveStar(set: SequenceSet, max: number): Array<[number, number]> {
  return set.map((r) => {
    const a = r.start === '*' ? max : r.start;
    const b = r.end === '*' ? max : r.end;
    return a <= b ? [a, b] : [b, a];
  });
}
