// Page packs: a derived copy of what FETCH BODY[], POP3 RETR and SEARCH read of the small messages
// of one closed page (PAGE_SHIFT below), in one document of few fields whose bulk is
// one BSON Binary. Why: FerretDB decodes each document a query returns in full, about half a
// millisecond per message document even when two fields are projected; one pack costs about what
// one message document costs, so a pass over a mailbox's packs reads 32 messages per document
// (docs/ARCHITECTURE.md §3, "Page packs").
//
// A pack is never the truth: the message documents are. It holds only what never changes for a
// message (its bytes, its searchable text and addresses); flags, dates and sizes come from the
// mailbox index. A page is packed only when it is closed (every UID of it is below uidNext, so no
// message can join it) and the mailbox index lists exactly the messages that were read, checked
// under the mailbox lock. A MOVE drops the packs of the pages its messages leave under that same
// lock; an expunge leaves them to the reaper, which drops a page's pack once it deleted the page's
// expunged messages (reaper.ts), and until then a reader of packs keeps only what the mailbox index
// lists. Deleting a mailbox drops its packs; the sweep drops packs of mailboxes that are gone.
import type { Binary, ObjectId } from 'mongodb';
import { BSON, Binary as BsonBinary, MongoServerError } from 'mongodb';
import { promisify } from 'node:util';
import { deflateRaw as deflateRawCb, inflateRawSync } from 'node:zlib';
import type { Ctx } from './context.ts';
import { plainPart } from './content.ts';
import { searchPartsOf, type SearchParts } from './content-cache.ts';
import type { MessageDoc, PackDoc } from './docs.ts';
import type { MailboxState } from './mailbox-index/state.ts';
import { lockName } from './locks.ts';
import type { NewJournalEntry } from '../notify/index.ts';

const deflateRaw = promisify(deflateRawCb);

/** Messages per page, as a shift: the unit of page queries (open-message.ts) and of packs. */
export const PAGE_SHIFT = 5;

/** A message whose packed parts are larger than this is read from its own document: for a large
 * message the cost of one document read is small beside its bytes, and packs stay well under the
 * 16 MiB document limit (32 × 128 KiB = 4 MiB). */
export const PACK_ITEM_MAX_BYTES = 128 * 1024;

/** What a pack keeps of one message: the parts that never change, its search parts among them. */
export interface PackItem extends SearchParts {
  uid: number;
  size: number;
  content: Buffer;
  attachmentRefs: string[];
}

/** The message fields a pack is made of, for the readers that may build one. */
export const PACK_SOURCE_PROJECTION = {
  uid: 1,
  size: 1,
  content: 1,
  attachmentRefs: 1,
  searchable: 1,
  subject: 1,
  from: 1,
  to: 1,
  cc: 1,
  bcc: 1,
  replyTo: 1,
  sender: 1,
} as const;

/** Fields of a search a pack answers together with the mailbox index. */
export const PACKED_SEARCH_FIELDS = new Set([
  'headers',
  'text',
  'subject',
  'from',
  'to',
  'cc',
  'bcc',
  'replyTo',
  'sender',
]);

/** A message document read with PACK_SOURCE_PROJECTION, or what the content cache holds of one
 * (its parts as Buffers). */
export type PackSource = Partial<
  Omit<Pick<MessageDoc, keyof typeof PACK_SOURCE_PROJECTION>, 'content' | 'searchable'>
> & { uid: number; content?: Binary | Buffer; searchable?: Binary | Buffer };

export function pageOf(uid: number): number {
  return uid >>> PAGE_SHIFT;
}

/** The UIDs the mailbox index lists in a page, ascending. */
export function pageUids(state: MailboxState, page: number): number[] {
  const end = (page + 1) << PAGE_SHIFT;
  const out: number[] = [];
  for (let i = state.lowerBound(page << PAGE_SHIFT); state.entries[i] && state.entries[i]!.uid < end; i++)
    out.push(state.entries[i]!.uid);
  return out;
}

export function packId(mailbox: ObjectId | string, page: number): string {
  return `${typeof mailbox === 'string' ? mailbox : mailbox.toHexString()}.${page}`;
}

function bytesOf(b: Binary | Buffer | Uint8Array | undefined): Buffer | null {
  if (!b) return null;
  if (b instanceof BsonBinary) return Buffer.from(b.buffer);
  return Buffer.isBuffer(b) ? b : Buffer.from(b);
}

/** The pack item of a message document, or null when it is too large or lacks a part. */
export function packItemOf(d: PackSource): PackItem | null {
  const search = searchPartsOf(d);
  if (!d.content || !search || d.size === undefined) return null;
  // packs hold the parts plain: the pack itself is deflated whole
  const content = bytesOf(plainPart(d.content))!;
  const searchable = bytesOf(plainPart(search.searchable))!;
  if (content.length + searchable.length > PACK_ITEM_MAX_BYTES) return null;
  return { ...search, uid: d.uid, size: d.size, content, attachmentRefs: d.attachmentRefs ?? [], searchable };
}

/** The items of a pack document. */
export function itemsOf(doc: PackDoc): PackItem[] {
  const bytes = inflateRawSync(bytesOf(doc.data as Binary | Buffer)!);
  return (BSON.deserialize(bytes, { promoteBuffers: true }) as { items: PackItem[] }).items;
}

/** A pack's items as stored: BSON, deflated. FerretDB's cost grows with the bytes it decodes as
 * well as with the documents (measured on PostgreSQL: a pass over 31 packs of 270 KB each took
 * 320–370 ms), and mail text deflates to a third or less; inflating in Node costs far less. */
async function packed(items: PackItem[]): Promise<Binary> {
  return new BsonBinary(await deflateRaw(BSON.serialize({ items }), { level: 1 }));
}

/** Every pack of a mailbox, in the database's order (one query: `mailbox` is an equality FerretDB
 * hands to its back end, and MongoDB answers from the (mailbox, page) index). */
export function packCursor(ctx: Ctx, mailbox: ObjectId) {
  return ctx.packs.find({ mailbox }, { promoteBuffers: true }).batchSize(16);
}

/**
 * Writes the packs of the pages in `pages` (page → the items read of it) that are closed and
 * complete: under the mailbox lock, with the mailbox index brought up to the mailbox's MODSEQ, a
 * page is packed when every UID of it is below uidNext and the index lists exactly the UIDs read.
 * A page already packed (by another reader) is left as it is. Returns how many packs were written.
 */
export async function writePacks(
  ctx: Ctx,
  mailbox: ObjectId,
  pages: ReadonlyMap<number, ReadonlyMap<number, PackItem | null>>,
): Promise<number> {
  if (pages.size === 0) return 0;
  // deflated before the lock is taken; which of them may be written is decided under it
  const made = new Map<number, { uids: number[]; data: Binary }>();
  for (const [page, read] of pages) {
    const items = [...read.values()].filter((x): x is PackItem => !!x).sort((a, b) => a.uid - b.uid);
    if (items.length) made.set(page, { uids: items.map((i) => i.uid), data: await packed(items) });
  }
  return ctx.locks.with(lockName.mailbox(mailbox), async () => {
    const box = await ctx.mailboxes.findOne({ _id: mailbox }, { projection: { uidNext: 1, modifyIndex: 1 } });
    if (!box) return 0;
    const state = await ctx.index.current(mailbox, box.modifyIndex);
    if (!state) return 0;
    const docs: PackDoc[] = [];
    for (const [page, read] of pages) {
      if ((page + 1) << PAGE_SHIFT > box.uidNext) continue; // open: a new message may still take a UID in it
      const listed = pageUids(state, page);
      if (listed.length === 0 || listed.length !== read.size || !listed.every((u) => read.has(u))) continue;
      const pack = made.get(page);
      if (pack) docs.push({ _id: packId(mailbox, page), mailbox, page, ...pack, created: new Date() });
    }
    if (docs.length === 0) return 0;
    try {
      const res = await ctx.packs.insertMany(docs, { ordered: false });
      return res.insertedCount;
    } catch (err) {
      // a page packed meanwhile by another reader: the same content, keep it
      if (err instanceof MongoServerError && err.code === 11000) {
        return (err as MongoServerError & { result?: { insertedCount?: number } }).result?.insertedCount ?? 0;
      }
      throw err;
    }
  });
}

/** Drops the packs of the pages that journaled EXPUNGEs took messages from: a MOVE's, under the
 * mailbox lock, before it is journaled. */
export async function dropExpungedPacks(ctx: Ctx, entries: readonly NewJournalEntry[]): Promise<void> {
  const ids = new Set<string>();
  for (const e of entries) if (e.command === 'EXPUNGE') ids.add(packId(e.mailbox, pageOf(e.uid)));
  // one equality on _id each: the only filter every back end answers without a scan
  for (const _id of ids) await ctx.packs.deleteOne({ _id });
}

/** Drops every pack of a mailbox (the mailbox is being deleted, or is gone). */
export async function dropMailboxPacks(ctx: Ctx, mailbox: ObjectId): Promise<number> {
  return (await ctx.packs.deleteMany({ mailbox })).deletedCount;
}
