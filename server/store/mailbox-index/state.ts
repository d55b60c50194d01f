// A mailbox's index in memory: its entries ascending by UID and the MODSEQ up to which the journal
// has been applied, with the reads SELECT, STATUS, FETCH, SEARCH and POP3 answer from it.
// Changes arrive as journal entries, applied strictly in MODSEQ order (docs/ARCHITECTURE.md §4).
import type { JournalEntry, NewJournalEntry } from '../../notify/index.ts';
import type { FlagSets } from './entry.ts';
import { hasFlag, type IndexEntry } from './entry.ts';

/** Expunged UIDs remembered for QRESYNC (RFC 7162 §3.2.5.2); older ones are forgotten, and a
 * client asking from before the oldest gets every UID it may know of (RFC 7162 §3.2.10). */
export const VANISHED_KEEP = 50_000;

export type ApplyResult = 'applied' | 'old' | 'gap' | 'unusable';

export class MailboxState {
  /** Ascending by uid. */
  entries: IndexEntry[];
  /** Journal applied up to here: every change with a MODSEQ at or below it is in `entries`. */
  modseq: number;
  /** Flat (uid, modseq) pairs of expunged messages, ascending by modseq. */
  vanished: number[];
  /** Expunges at or below this MODSEQ may be missing from `vanished`. */
  vanishedFloor: number;

  constructor(
    readonly mailbox: string,
    /** The user who owns the mailbox, hex. */
    readonly user: string,
    readonly flagSets: FlagSets,
    init: { entries: IndexEntry[]; modseq: number; vanished?: number[]; vanishedFloor?: number },
  ) {
    this.entries = init.entries;
    this.modseq = init.modseq;
    this.vanished = init.vanished ?? [];
    this.vanishedFloor = init.vanishedFloor ?? 0;
  }

  get exists(): number {
    return this.entries.length;
  }

  /** Position of `uid` in `entries`, or -1. */
  indexOf(uid: number): number {
    const i = this.lowerBound(uid);
    return this.entries[i]?.uid === uid ? i : -1;
  }

  get(uid: number): IndexEntry | undefined {
    const i = this.indexOf(uid);
    return i < 0 ? undefined : this.entries[i];
  }

  /** Index of the first entry with uid >= `uid`. */
  lowerBound(uid: number): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.entries[mid]!.uid < uid) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  uids(): number[] {
    const out = new Array<number>(this.entries.length);
    for (let i = 0; i < this.entries.length; i++) out[i] = this.entries[i]!.uid;
    return out;
  }

  firstUnseen(): number | null {
    for (const e of this.entries) if (!hasFlag(e.flags, '\\Seen')) return e.uid;
    return null;
  }

  counts(): { messages: number; unseen: number; size: number } {
    let unseen = 0;
    let size = 0;
    for (const e of this.entries) {
      if (!hasFlag(e.flags, '\\Seen')) unseen++;
      size += e.size;
    }
    return { messages: this.entries.length, unseen, size };
  }

  /** UIDs expunged after `modseq`, ascending; null when the index no longer knows that far back. */
  expungedSince(modseq: number): number[] | null {
    if (modseq < this.vanishedFloor) return null;
    const out: number[] = [];
    for (let i = 0; i < this.vanished.length; i += 2)
      if (this.vanished[i + 1]! > modseq) out.push(this.vanished[i]!);
    return out.sort((a, b) => a - b);
  }

  /**
   * Applies one journal entry. 'old' when it is already in (its MODSEQ is not above ours), 'gap'
   * when entries before it are missing, 'unusable' when it lacks what the index needs (written by
   * an older version): the caller then reads the journal or rebuilds.
   */
  apply(e: JournalEntry | NewJournalEntry): ApplyResult {
    if (e.modseq <= this.modseq) return 'old';
    if (e.modseq !== this.modseq + 1) return 'gap';
    switch (e.command) {
      case 'EXISTS': {
        if (e.msg === undefined || e.size === undefined || e.idate === undefined) return 'unusable';
        const entry: IndexEntry = {
          uid: e.uid,
          modseq: e.modseq,
          flags: this.flagSets.intern(e.flags ?? []),
          size: e.size,
          idate: e.idate,
          hdate: e.hdate ?? e.idate,
          id: e.msg,
        };
        const last = this.entries[this.entries.length - 1];
        if (!last || last.uid < e.uid) this.entries.push(entry);
        else {
          const i = this.lowerBound(e.uid);
          if (this.entries[i]?.uid === e.uid) this.entries[i] = entry;
          else this.entries.splice(i, 0, entry);
        }
        break;
      }
      case 'FETCH': {
        const i = this.indexOf(e.uid);
        if (i >= 0) {
          const old = this.entries[i]!;
          this.entries[i] = { ...old, modseq: e.modseq, flags: this.flagSets.intern(e.flags ?? []) };
        }
        break;
      }
      case 'EXPUNGE': {
        const i = this.indexOf(e.uid);
        if (i >= 0) this.entries.splice(i, 1);
        this.vanished.push(e.uid, e.modseq);
        if (this.vanished.length > VANISHED_KEEP * 2) {
          const drop = this.vanished.length - VANISHED_KEEP * 2;
          this.vanishedFloor = Math.max(this.vanishedFloor, this.vanished[drop - 1]!);
          this.vanished = this.vanished.slice(drop);
        }
        break;
      }
      default:
        // other entries carry MODSEQ 0 and never reach here
        break;
    }
    this.modseq = e.modseq;
    return 'applied';
  }
}
