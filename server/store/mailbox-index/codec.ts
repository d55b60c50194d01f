// The mailbox index as stored: fixed 48-byte records in BSON Binaries, a few thousand per document,
// plus the table of flag combinations they point into. A 100 000-message mailbox is some 25
// documents that decode as single values, where its message documents are 100 000 deep trees
// (docs/ARCHITECTURE.md §3, "The mailbox index").
import type { FlagSets } from './entry.ts';
import { type IndexEntry } from './entry.ts';

/** uid u32 · modseq f64 · size u32 · idate f64 · hdate f64 · flag set u32 · _id 12 bytes */
export const RECORD_BYTES = 48;

/** Encodes entries (ascending by uid) against a table of flag combinations it extends. */
export function encodeEntries(entries: readonly IndexEntry[], table: FlagTable): Buffer {
  const b = Buffer.alloc(entries.length * RECORD_BYTES);
  let o = 0;
  for (const e of entries) {
    b.writeUInt32LE(e.uid, o);
    b.writeDoubleLE(e.modseq, o + 4);
    b.writeUInt32LE(e.size, o + 12);
    b.writeDoubleLE(e.idate, o + 16);
    b.writeDoubleLE(e.hdate, o + 24);
    b.writeUInt32LE(table.indexOf(e.flags), o + 32);
    b.write(e.id, o + 36, 12, 'hex');
    o += RECORD_BYTES;
  }
  return b;
}

export function decodeEntries(b: Uint8Array, flagSets: ReadonlyArray<readonly string[]>): IndexEntry[] {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (buf.length % RECORD_BYTES !== 0) throw new Error('mailbox index chunk has a torn record');
  const out: IndexEntry[] = new Array(buf.length / RECORD_BYTES);
  for (let i = 0, o = 0; o < buf.length; i++, o += RECORD_BYTES) {
    const flags = flagSets[buf.readUInt32LE(o + 32)];
    if (!flags) throw new Error('mailbox index record names an unknown flag set');
    out[i] = {
      uid: buf.readUInt32LE(o),
      modseq: buf.readDoubleLE(o + 4),
      size: buf.readUInt32LE(o + 12),
      idate: buf.readDoubleLE(o + 16),
      hdate: buf.readDoubleLE(o + 24),
      flags,
      id: buf.toString('hex', o + 36, o + 48),
    };
  }
  return out;
}

/** The flag combinations a checkpoint's records point into, numbered in first-use order. */
export class FlagTable {
  readonly sets: Array<readonly string[]> = [];
  private readonly index = new Map<readonly string[], number>();

  indexOf(flags: readonly string[]): number {
    let i = this.index.get(flags);
    if (i === undefined) {
      i = this.sets.length;
      this.sets.push(flags);
      this.index.set(flags, i);
    }
    return i;
  }

  /** As JSON: the table is small and FerretDB stores no nested arrays. */
  toBuffer(): Buffer {
    return Buffer.from(JSON.stringify(this.sets));
  }

  static parse(b: Uint8Array, intern: FlagSets): Array<readonly string[]> {
    const sets = JSON.parse(Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString()) as string[][];
    return sets.map((s) => intern.intern(s));
  }
}

/** Expunged (uid, modseq) pairs kept for QRESYNC, as u32 + f64 records. */
export function encodeVanished(pairs: readonly number[]): Buffer {
  const b = Buffer.alloc((pairs.length / 2) * 12);
  for (let i = 0, o = 0; i < pairs.length; i += 2, o += 12) {
    b.writeUInt32LE(pairs[i]!, o);
    b.writeDoubleLE(pairs[i + 1]!, o + 4);
  }
  return b;
}

export function decodeVanished(b: Uint8Array): number[] {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const out: number[] = [];
  for (let o = 0; o + 12 <= buf.length; o += 12) out.push(buf.readUInt32LE(o), buf.readDoubleLE(o + 4));
  return out;
}
