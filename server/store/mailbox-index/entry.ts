// One message as the mailbox index knows it: what SELECT, STATUS, FETCH of flags/sizes/dates,
// flag and date SEARCH and the POP3 maildrop need, and the message's _id for reading the rest
// (docs/ARCHITECTURE.md §3, "The mailbox index").

export interface IndexEntry {
  uid: number;
  modseq: number;
  /** Interned (see FlagSets): entries with the same flags share one frozen array. */
  flags: readonly string[];
  size: number;
  /** Internal date, ms since the epoch. */
  idate: number;
  /** Date: header (internal date when missing), ms since the epoch. */
  hdate: number;
  /** The message document's _id, hex. */
  id: string;
}

/**
 * One frozen array per distinct flag combination, so 100 000 entries with a handful of
 * combinations hold a handful of arrays. Lookup is by the flags' spelling in their given order.
 */
export class FlagSets {
  private readonly sets = new Map<string, readonly string[]>();

  intern(flags: readonly string[]): readonly string[] {
    const key = flags.join('\u0000');
    let s = this.sets.get(key);
    if (!s) {
      s = Object.freeze([...flags]);
      this.sets.set(key, s);
    }
    return s;
  }
}

/** True when `flags` holds `flag` (system flags are stored canonically, keywords compare
 * case-insensitively: RFC 3501 §2.3.2). */
export function hasFlag(flags: readonly string[], flag: string): boolean {
  const f = flag.toLowerCase();
  for (const x of flags) if (x === flag || x.toLowerCase() === f) return true;
  return false;
}
