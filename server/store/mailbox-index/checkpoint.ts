// The mailbox index on disk: a checkpoint of a MailboxState at some MODSEQ, as one header document
// and one chunk document per 4 096-UID bucket (docs/ARCHITECTURE.md §3, "The mailbox index").
// Everything is written by _id, and read by _id but for the chunks of a large mailbox, read with
// one query on the mailbox. A checkpoint is written copy-on-write: new chunks first, then the header that
// names them (the commit), then the chunks it no longer names are deleted; a crash in between
// leaves only unreferenced chunks. Changed chunks only are rewritten.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { Binary, type Db, type ObjectId } from 'mongodb';
import { COLL } from '../docs.ts';
import type { Ctx } from '../context.ts';
import type { IndexEntry, FlagSets } from './entry.ts';
import { FlagTable, decodeEntries, decodeVanished, encodeEntries, encodeVanished } from './codec.ts';
import { MailboxState } from './state.ts';

export const INDEX_COLLECTION = 'mailboxIndex';
/** UIDs per chunk: 4 096 records of 48 bytes is a 192 KiB Binary, and a 100 000-message mailbox
 * is about 25 chunks. */
export const BUCKET_SHIFT = 12;
/** A checkpoint of at most this many chunks is read by _id, chunk by chunk; a larger one with one
 * query on the mailbox. */
const BY_ID_CHUNKS = 2;

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
  /** `data` is deflated (chunks written by earlier versions are not): FerretDB's cost of reading a
   * chunk grows with its bytes, and records of neighbouring UIDs deflate well. */
  deflated?: boolean;
}

type IndexDoc = IndexHeaderDoc | IndexChunkDoc;

function coll(ctx: Pick<Ctx, 'db'>) {
  return ctx.db.collection<IndexDoc>(INDEX_COLLECTION);
}

function bytesOf(b: Binary | Uint8Array): Uint8Array {
  return b instanceof Binary ? b.buffer : b;
}

function recordsOf(c: IndexChunkDoc): Uint8Array {
  return c.deflated ? inflateRawSync(bytesOf(c.data)) : bytesOf(c.data);
}

async function readHeader(ctx: Ctx, mailbox: ObjectId): Promise<IndexHeaderDoc | null> {
  return (await coll(ctx).findOne({ _id: mailbox.toHexString() })) as IndexHeaderDoc | null;
}

/** The MODSEQ up to which a mailbox's changes are in its checkpoint, as far as the journal may be
 * pruned (journal.ts): 0 without one, all of them (Infinity) once the mailbox is gone. */
export async function checkpointFloor(db: Db, mailbox: ObjectId): Promise<number> {
  const header = await coll({ db }).findOne({ _id: mailbox.toHexString() }, { projection: { modseq: 1 } });
  if (header) return (header as IndexHeaderDoc).modseq;
  const box = await db.collection(COLL.mailboxes).findOne({ _id: mailbox }, { projection: { _id: 1 } });
  return box ? 0 : Infinity;
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
  let damaged = false;
  if (h.chunks.length > BY_ID_CHUNKS) {
    // one query on the mailbox for all of them: FerretDB passes the equality down and answers any
    // query, by _id too, with a pass over the collection (docs/ARCHITECTURE.md §3), so 25 reads by
    // _id were 25 passes (measured, 100 000 messages on PostgreSQL: 26 reads of 69 ms each, a first
    // SELECT of 0.6 s); chunks a crash left unnamed are skipped
    const at = new Map(h.chunks.map((id, i) => [id, i]));
    for await (const d of coll(ctx).find({ mailbox })) {
      const i = at.get(d._id);
      if (i !== undefined && 'data' in d) parts[i] = decodeEntries(recordsOf(d), flagSets);
    }
    for (let i = 0; i < parts.length; i++) if (!parts[i]) damaged = true;
  } else {
    for (const id of h.chunks) {
      const c = (await coll(ctx).findOne({ _id: id })) as IndexChunkDoc | null;
      if (!c) damaged = true;
      else parts[h.chunks.indexOf(id)] = decodeEntries(recordsOf(c), flagSets);
    }
  }
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
      written.push({
        _id: id,
        mailbox,
        data: new Binary(deflateRawSync(encodeEntries(entries, table))),
        deflated: true,
      });
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
