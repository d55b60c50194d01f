// The journal collection (docs/ARCHITECTURE.md §3): the change log of every mailbox, in MODSEQ
// order, that sessions and mailbox indexes of every process read to catch up. The notifier writes
// and reads it through this class; only the store touches the collection.
//
// Each entry also has `span` = modseq >>> SPAN_SHIFT, so that "everything after MODSEQ n" is read
// as a few equality queries on (mailbox, span) — the one kind of filter FerretDB hands to its back
// end — instead of a range that FerretDB answers by decoding the mailbox's whole journal.
import { ObjectId, type Collection, type Db } from 'mongodb';
import type { JournalEntry, JournalStore, NewJournalEntry } from '../notify/index.ts';
import { writeInOrder, type WriteOutcome } from './journal-write.ts';
import { GroupInsert } from './group-insert.ts';
import { checkpointFloor } from './mailbox-index/checkpoint.ts';
import { COLL } from './docs.ts';

export const JOURNAL_COLLECTION = COLL.journal;

/** 512 MODSEQs per span: a reader that is a checkpoint behind (≤ 500 changes) reads two spans. */
export const SPAN_SHIFT = 9;

/** Spans `between` reads with a query each; past this, one query over the mailbox's entries. */
const BETWEEN_SPAN_QUERIES = 4;

/** A journal entry as stored: its ids as ObjectIds, and its span. */
type JournalDoc = Omit<JournalEntry, 'id' | 'user' | 'mailbox'> & {
  _id: ObjectId;
  user: ObjectId;
  mailbox: ObjectId;
  span: number;
};

const MESSAGE_FIELDS = ['msg', 'size', 'idate', 'hdate'] as const;

function toEntry(d: JournalDoc): JournalEntry {
  const e: JournalEntry = {
    id: d._id.toHexString(),
    user: d.user.toHexString(),
    mailbox: d.mailbox.toHexString(),
    modseq: d.modseq,
    command: d.command,
    uid: d.uid,
    created: d.created,
  };
  if (d.flags) e.flags = d.flags;
  if (d.path !== undefined) e.path = d.path;
  if (d.oldPath !== undefined) e.oldPath = d.oldPath;
  for (const k of MESSAGE_FIELDS) if (d[k] !== undefined) (e as unknown as Record<string, unknown>)[k] = d[k];
  return e;
}

function toDoc(e: NewJournalEntry, created: Date): JournalDoc {
  const d: JournalDoc = {
    _id: new ObjectId(),
    user: new ObjectId(e.user),
    mailbox: new ObjectId(e.mailbox),
    modseq: e.modseq,
    span: e.modseq >>> SPAN_SHIFT,
    command: e.command,
    uid: e.uid,
    created,
  };
  if (e.flags) d.flags = e.flags;
  if (e.path !== undefined) d.path = e.path;
  if (e.oldPath !== undefined) d.oldPath = e.oldPath;
  for (const k of MESSAGE_FIELDS) if (e[k] !== undefined) (d as unknown as Record<string, unknown>)[k] = e[k];
  return d;
}

const byModseq = (a: JournalDoc, b: JournalDoc) =>
  a.modseq - b.modseq || (a._id.toHexString() < b._id.toHexString() ? -1 : 1);

export class Journal implements JournalStore {
  private readonly coll: Collection<JournalDoc>;
  /** First attempts of the changes under way go together (group-insert.ts). */
  private readonly group: GroupInsert<JournalDoc>;

  constructor(private readonly db: Db) {
    this.coll = db.collection<JournalDoc>(JOURNAL_COLLECTION);
    this.group = new GroupInsert((docs) => this.coll.insertMany(docs, { ordered: true }));
  }

  async write(
    entries: readonly NewJournalEntry[],
    budgetMs: number,
    hook?: (attempt: number) => void | Promise<void>,
  ): Promise<WriteOutcome> {
    const created = new Date();
    const docs = entries.map((e) => toDoc(e, created));
    // a first attempt goes with those of other changes; a retry goes alone, from where it stopped
    const insert = (n: number, from: number) =>
      n === 1 && from === 0
        ? this.group.add(docs)
        : this.coll.insertMany(docs.slice(from), { ordered: true });
    const attempt = hook
      ? async (n: number, from: number) => {
          await hook(n);
          return insert(n, from);
        }
      : insert;
    return writeInOrder(docs.length, attempt, budgetMs);
  }

  async *since(mailbox: string, modseq: number): AsyncIterable<JournalEntry> {
    const m = new ObjectId(mailbox);
    for (let span = (modseq + 1) >>> SPAN_SHIFT, first = true; ; span++, first = false) {
      const inSpan = await this.coll.find({ mailbox: m, span }).toArray();
      // entries written before spans existed are found the slow way; past them, the end
      if (inSpan.length === 0) {
        if (first) yield* this.sinceByRange(m, modseq);
        return;
      }
      const docs = inSpan.filter((d) => d.modseq > modseq).sort(byModseq);
      for (const d of docs) yield toEntry(d);
      // MODSEQs are consecutive: only a span that holds its last MODSEQ may have a next one
      const last = ((span + 1) << SPAN_SHIFT) - 1;
      if (!inSpan.some((d) => d.modseq === last)) return;
    }
  }

  async between(mailbox: string, after: number, upTo: number): Promise<JournalEntry[]> {
    if (upTo <= after) return [];
    const m = new ObjectId(mailbox);
    const first = (after + 1) >>> SPAN_SHIFT;
    const last = upTo >>> SPAN_SHIFT;
    // a few spans by equality; more (an index built from the start) with one pass over the
    // mailbox's entries rather than one query per span
    const docs =
      last - first < BETWEEN_SPAN_QUERIES
        ? (
            await Promise.all(
              Array.from({ length: last - first + 1 }, (_, i) =>
                this.coll.find({ mailbox: m, span: first + i }).toArray(),
              ),
            )
          ).flat()
        : await this.coll.find({ mailbox: m, modseq: { $gt: after, $lte: upTo } }).toArray();
    return docs
      .filter((d) => d.modseq > after && d.modseq <= upTo)
      .sort(byModseq)
      .map(toEntry);
  }

  private async *sinceByRange(mailbox: ObjectId, modseq: number): AsyncIterable<JournalEntry> {
    const cursor = this.coll
      .find({ mailbox, modseq: { $gt: modseq } })
      .sort({ modseq: 1, _id: 1 })
      .batchSize(500);
    for await (const d of cursor) yield toEntry(d);
  }

  async userEventsSince(user: string, since: Date): Promise<JournalEntry[]> {
    const docs = await this.coll
      .find({ user: new ObjectId(user), modseq: 0, created: { $gt: since } })
      .sort({ created: 1, _id: 1 })
      .toArray();
    return docs.map(toEntry);
  }

  /**
   * Deletes entries older than `maxAgeMs`: mailbox-level ones (MODSEQ 0) and those of deleted
   * mailboxes by age alone, a mailbox's changes only up to the MODSEQ of its index checkpoint.
   * Flags live in the mailbox index (docs/ARCHITECTURE.md §3), so the changes after a checkpoint
   * are where they are kept until the next one; a mailbox without a checkpoint keeps them all.
   */
  async prune(maxAgeMs: number): Promise<number> {
    const created = { $lt: new Date(Date.now() - maxAgeMs) };
    let n = (await this.coll.deleteMany({ modseq: 0, created })).deletedCount;
    const boxes = (await this.coll.distinct('mailbox', { created })) as ObjectId[];
    for (const mailbox of boxes) {
      const floor = await checkpointFloor(this.db, mailbox);
      if (floor <= 0) continue;
      const modseq = Number.isFinite(floor) ? { $lte: floor } : { $gt: 0 };
      n += (await this.coll.deleteMany({ mailbox, modseq, created })).deletedCount;
    }
    return n;
  }

  async dropUser(user: string): Promise<void> {
    await this.coll.deleteMany({ user: new ObjectId(user) });
  }
}
