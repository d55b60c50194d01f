// IMAP flags: system flags in canonical spelling, keywords as given; both compared
// case-insensitively (RFC 3501 §2.3.2). `\Recent` is session state and never stored.
import type { ObjectId } from 'mongodb';
import type { FlagAction } from './index.ts';
import { StoreError } from './errors.ts';

const SYSTEM = new Map(
  ['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft'].map((f) => [f.toLowerCase(), f]),
);
// atom-chars without the ones IMAP reserves; keywords are stored as values, so `.`/`$` are fine
const KEYWORD = /^[^\s(){%*"\\\]\0-\x1f\x7f]{1,128}$/;

export function normalizeFlags(flags: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const f of flags) {
    if (typeof f !== 'string') throw new StoreError('INVALID', 'flags must be strings');
    const lower = f.toLowerCase();
    if (lower === '\\recent') continue;
    let v: string;
    if (f.startsWith('\\')) {
      const sys = SYSTEM.get(lower);
      if (!sys) throw new StoreError('INVALID', `unknown system flag ${f}`);
      v = sys;
    } else {
      if (!KEYWORD.test(f)) throw new StoreError('INVALID', `invalid keyword ${f}`);
      v = f;
    }
    if (!seen.has(lower)) {
      seen.add(lower);
      out.push(v);
    }
  }
  return out;
}

export function applyFlags(
  current: readonly string[],
  action: FlagAction,
  flags: readonly string[],
): string[] {
  if (action === 'set') return [...flags];
  const lower = new Set(flags.map((f) => f.toLowerCase()));
  if (action === 'remove') return current.filter((f) => !lower.has(f.toLowerCase()));
  const have = new Set(current.map((f) => f.toLowerCase()));
  return [...current, ...flags.filter((f) => !have.has(f.toLowerCase()))];
}

export function sameFlags(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const s = new Set(a.map((f) => f.toLowerCase()));
  return b.every((f) => s.has(f.toLowerCase()));
}

export interface FlagBooleans {
  seen: boolean;
  flagged: boolean;
  deleted: boolean;
  draft: boolean;
  answered: boolean;
}

export function flagBooleans(flags: readonly string[]): FlagBooleans {
  const s = new Set(flags);
  return {
    seen: s.has('\\Seen'),
    flagged: s.has('\\Flagged'),
    deleted: s.has('\\Deleted'),
    draft: s.has('\\Draft'),
    answered: s.has('\\Answered'),
  };
}

/**
 * Whether the mailbox index lists this document's message. A read that lists documents by query
 * keeps only these: one it does not list is an expunged message whose deletion is queued
 * (reaper.ts) or one written ahead of an allocation that never came (leftovers.ts).
 */
export function listedIn(
  d: { _id: ObjectId; uid: number },
  v: { get(uid: number): { id: string } | undefined } | null | undefined,
): boolean {
  return v?.get(d.uid)?.id === d._id.toHexString();
}

/**
 * A message document with the flags and MODSEQ the mailbox index lists for it now: the index (its
 * checkpoint and the journal) is where they live, and a document keeps only those it came with
 * (docs/ARCHITECTURE.md §3, "Flags live in the mailbox index"). One not listed is left as it is.
 */
export function withIndexFlags<D extends { _id: ObjectId; uid: number; flags?: string[]; modseq?: number }>(
  d: D,
  v:
    | { get(uid: number): { id: string; flags: readonly string[]; modseq: number } | undefined }
    | null
    | undefined,
): D {
  if (!listedIn(d, v)) return d;
  const e = v!.get(d.uid)!;
  const flags = [...e.flags];
  return { ...d, flags, ...flagBooleans(flags), modseq: e.modseq };
}
