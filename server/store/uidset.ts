// UID sets: single UIDs and inclusive ranges, as a MongoDB filter and as a predicate.
import type { Filter } from 'mongodb';
import type { UidSet } from './index.ts';
import { StoreError } from './errors.ts';

export interface NormalUidSet {
  singles: number[];
  ranges: Array<{ lo: number; hi: number }>;
}

function checkUid(n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
    throw new StoreError('INVALID', 'bad UID in set');
  return n;
}

export function normalizeUidSet(set: UidSet): NormalUidSet {
  const singles = new Set<number>();
  const ranges: Array<{ lo: number; hi: number }> = [];
  for (const item of set) {
    if (typeof item === 'number') singles.add(checkUid(item));
    else {
      const a = checkUid(item[0]);
      const b = checkUid(item[1]);
      if (a === b) singles.add(a);
      else ranges.push({ lo: Math.min(a, b), hi: Math.max(a, b) });
    }
  }
  return { singles: [...singles].sort((x, y) => x - y), ranges };
}

/** The set as ascending, merged inclusive [lo, hi] ranges. */
export function uidRanges(set: UidSet): Array<[number, number]> {
  const n = normalizeUidSet(set);
  const all = [...n.ranges, ...n.singles.map((u) => ({ lo: u, hi: u }))].sort((a, b) => a.lo - b.lo);
  const out: Array<[number, number]> = [];
  for (const r of all) {
    const last = out[out.length - 1];
    if (last && r.lo <= last[1] + 1) last[1] = Math.max(last[1], r.hi);
    else out.push([r.lo, r.hi]);
  }
  return out;
}

/** A filter on `uid`, or null when the set is empty (matches nothing). */
export function uidFilter<T extends { uid: number }>(set: UidSet): Filter<T> | null {
  const n = normalizeUidSet(set);
  const parts: Array<Record<string, unknown>> = [];
  if (n.singles.length) parts.push({ uid: n.singles.length === 1 ? n.singles[0] : { $in: n.singles } });
  for (const r of n.ranges) parts.push({ uid: { $gte: r.lo, $lte: r.hi } });
  if (parts.length === 0) return null;
  return (parts.length === 1 ? parts[0] : { $or: parts }) as Filter<T>;
}

export function uidMatcher(set: UidSet): (uid: number) => boolean {
  const n = normalizeUidSet(set);
  const singles = new Set(n.singles);
  return (uid) => singles.has(uid) || n.ranges.some((r) => uid >= r.lo && uid <= r.hi);
}
