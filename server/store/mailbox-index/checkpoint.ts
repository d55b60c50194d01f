// The mailbox index on disk: a checkpoint of a MailboxState at some MODSEQ, as one header document
// and one chunk document per 4 096-UID bucket (docs/ARCHITECTURE.md §3, "The mailbox index").
// Everything is read and written by _id, the one lookup every back end answers without decoding
// the collection. A checkpoint is written copy-on-write: new chunks first, then the header that
// names them (the commit), then the chunks it no longer names are deleted; a crash in between
// leaves only unreferenced chunks. Changed chunks only are rewritten.
import { Binary, type ObjectId } from 'mongodb';
import type { Ctx } from '../context.ts';
import type { IndexEntry, FlagSets } from './entry.ts';
import { FlagTable, decodeEntries, decodeVanished, encodeEntries, encodeVanished } from './codec.ts';
import { MailboxState } from './state.ts';

export const INDEX_COLLECTION = 'mailboxIndex';
/** UIDs per chunk: 4 096 records of 48 bytes is a 192 KiB Binary, and a 100 000-message mailbox
 * is about 25 chunks. */
export const BUCKET_SHIFT = 12;
/** Chunk reads in flight at once. */
const PARALLEL = 8;

export interface IndexHeaderDoc {
  _id: string;
  mailbox: ObjectId;
  modseq: number;
  buckets: number[];
  chunks: string[];
  flagSets: Binary;
  vanished: Binary;
  vanishedFloor: number;
  updated: Date;
}

export interface IndexChunkDoc {
  _id: string;
  mailbox: ObjectId;
  data: Binary;
}

type IndexDoc = IndexHeaderDoc | IndexChunkDoc;

function coll(ctx: Ctx) {
  return ctx.db.collection<IndexDoc>(INDEX_COLLECTION);
}

function bytesOf(b: Binary | Uint8Array): Uint8Array {
  return b instanceof Binary ? b.buffer : b;
}

async function readHeader(ctx: Ctx, mailbox: ObjectId): Promise<IndexHeaderDoc | null> {
  return (await coll(ctx).findOne({ _id: mailbox.toHexString() })) as IndexHeaderDoc | null;
}

/** The checkpoint of `mailbox`, or null when there is none (or it is damaged: then it is rebuilt). */
export async function loadCheckpoint(
  ctx: Ctx,
  mailbox: ObjectId,
  user: string,
  intern: FlagSets,
): Promise<MailboxState | null> {
  const h = await readHeader(ctx, mailbox);
  if (!h) return null;
  const flagSets = FlagTable.parse(bytesOf(h.flagSets), intern);
  const parts: IndexEntry[][] = new Array(h.chunks.length);
  let next = 0;
  let damaged = false;
  const worker = async () => {
    while (next < h.chunks.length && !damaged) {
      const i = next++;
      const c = (await coll(ctx).findOne({ _id: h.chunks[i]! })) as IndexChunkDoc | null;
      if (!c) damaged = true;
      else parts[i] = decodeEntries(bytesOf(c.data), flagSets);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, h.chunks.length) }, worker));
  if (damaged) return null;
  return new MailboxState(mailbox.toHexString(), user, intern, {
    entries: parts.flat(),
    modseq: h.modseq,
    vanished: decodeVanished(bytesOf(h.vanished)),
    vanishedFloor: h.vanishedFloor,
  });
}

/**
 * Writes `state` as the new checkpoint unless a newer one is there already. The caller holds the
 * mailbox's index lock, so checkpoints of one mailbox are written one at a time.
 */
export async function saveCheckpoint(ctx: Ctx, mailbox: ObjectId, state: MailboxState): Promise<boolean> {
  const current = await readHeader(ctx, mailbox);
  // The state goes on changing while this awaits its writes: everything written is taken from
  // this one snapshot, so the header never claims a MODSEQ its chunks do not hold.
  const modseq = state.modseq;
  const vanished = state.vanished.slice();
  const vanishedFloor = state.vanishedFloor;
  if (current && current.modseq >= modseq) return false;
  const hex = mailbox.toHexString();
  const table = new FlagTable();
  // keep the numbering of the chunks that are reused
  if (current) for (const s of FlagTable.parse(bytesOf(current.flagSets), state.flagSets)) table.indexOf(s);
  const prevModseq = current?.modseq ?? -1;
  const reuse = new Map<number, string>();
  if (current) current.buckets.forEach((b, i) => reuse.set(b, current.chunks[i]!));

  // a bucket changed when one of its entries did or one of its UIDs was expunged since then
  const dirty = new Set<number>();
  const allDirty = !current || vanishedFloor > prevModseq;
  for (let i = 0; i < vanished.length; i += 2) {
    if (vanished[i + 1]! > prevModseq) dirty.add(vanished[i]! >>> BUCKET_SHIFT);
  }
  const groups = new Map<number, IndexEntry[]>();
  for (const e of state.entries) {
    const b = e.uid >>> BUCKET_SHIFT;
    let g = groups.get(b);
    if (!g) groups.set(b, (g = []));
    g.push(e);
    if (e.modseq > prevModseq) dirty.add(b);
  }
  const buckets: number[] = [];
  const chunks: string[] = [];
  const written: IndexChunkDoc[] = [];
  for (const [b, entries] of [...groups].sort((x, y) => x[0] - y[0])) {
    const keep = !allDirty && !dirty.has(b) ? reuse.get(b) : undefined;
    let id = keep;
    if (!id) {
      id = `${hex}:${b}:${modseq}`;
      written.push({ _id: id, mailbox, data: new Binary(encodeEntries(entries, table)) });
    }
    buckets.push(b);
    chunks.push(id);
  }
  for (const c of written) await coll(ctx).replaceOne({ _id: c._id }, c, { upsert: true });
  const header: IndexHeaderDoc = {
    _id: hex,
    mailbox,
    modseq,
    buckets,
    chunks,
    flagSets: new Binary(table.toBuffer()),
    vanished: new Binary(encodeVanished(vanished)),
    vanishedFloor,
    updated: new Date(),
  };
  await coll(ctx).replaceOne({ _id: hex }, header, { upsert: true });
  const kept = new Set(chunks);
  for (const old of current?.chunks ?? []) {
    if (!kept.has(old)) await coll(ctx).deleteOne({ _id: old });
  }
  return true;
}

/** Removes a mailbox's index (mailbox or user deletion). */
export async function dropCheckpoint(ctx: Ctx, mailbox: ObjectId): Promise<void> {
  await coll(ctx).deleteMany({ mailbox });
}
