// Expunged messages' documents are deleted a moment after their expunge, a page at a time
// (docs/ARCHITECTURE.md §3, "Removal after the expunge"). Why: on FerretDB every command on the
// messages is a pass over all of them (ARCHITECTURE §10), so one delete per expunged message made
// EXPUNGE the costliest command of a busy store; here the messages of one page go in one command.
//
// The expunge writes a removal document, under the mailbox lock and before its journal entry. From
// then on the messages are in no mailbox index, and each read that lists message documents by
// query leaves out those a removal names (`queuedIn`). The expunge gives back their storage; their
// attachment references go with their documents, here. The removal document goes last, so a
// process that dies midway leaves it for the next reap (this process's or any other's): deleting
// again what is already gone does nothing, and a message with references is deleted on its own,
// its references given back by the delete that counted it, so exactly once even when two reaps
// meet (FerretDB's findAndModify would hand the document to both).
import type { Filter, ObjectId } from 'mongodb';
import type { Ctx } from './context.ts';
import { DURABLE, type RemovalDoc } from './docs.ts';
import { packId, pageOf } from './packs.ts';
import { REMOVABLE_PROJECTION, removeMessages, type RemovableMessage } from './removal.ts';

/** How long after an expunge its messages are deleted: expunges meanwhile share the commands. */
export const REAP_DELAY_MS = 5000;
/** Messages waiting that start a reap at once. */
export const REAP_AT = 256;
/** Removal documents one reap takes. */
const REAP_DOCS = 500;

/** Queues the removal of messages an expunge takes out of `mailbox`; durable when it returns. The
 * caller holds the mailbox lock and writes its journal entries after this. */
export async function queueRemoval(
  ctx: Ctx,
  user: ObjectId,
  mailbox: ObjectId,
  uids: readonly number[],
): Promise<void> {
  if (uids.length === 0) return;
  const doc: Omit<RemovalDoc, '_id'> = { user, mailbox, uids: [...uids], created: new Date() };
  await ctx.removals.insertOne(doc as RemovalDoc, DURABLE);
  ctx.reaper.queued(uids.length);
}

/** The messages of one page of a mailbox that are to go, with what their deletion needs. */
interface PageRemoval {
  mailbox: ObjectId;
  page: number;
  uids: Set<number>;
}

/** Deletes the queued messages of every removal document (up to REAP_DOCS), then those documents:
 * how many messages it deleted, and whether more removals may wait. Safe beside another reap of the
 * same removals. */
export async function reapQueued(
  ctx: Ctx,
  filter: Filter<RemovalDoc> = {},
): Promise<{ messages: number; full: boolean }> {
  const docs = await ctx.removals.find(filter).limit(REAP_DOCS).toArray();
  if (docs.length === 0) return { messages: 0, full: false };
  const pages = new Map<string, PageRemoval>();
  for (const r of docs)
    for (const uid of r.uids) {
      const page = pageOf(uid);
      const k = `${r.mailbox.toHexString()}.${page}`;
      const p = pages.get(k) ?? { mailbox: r.mailbox, page, uids: new Set<number>() };
      p.uids.add(uid);
      pages.set(k, p);
    }
  let n = 0;
  for (const p of pages.values()) n += await reapPage(ctx, p);
  // one command for all: FerretDB decodes the removals to find them, a small collection
  await ctx.removals.deleteMany({ _id: { $in: docs.map((r) => r._id) } });
  return { messages: n, full: docs.length === REAP_DOCS };
}

/**
 * One page's queued messages. Those without attachment references go with one command on the page
 * (FerretDB passes both equalities down and decodes only the page's rows); what is left of them
 * (messages with attachments, or stored before pages existed) is found and each deleted on its
 * own, its references given back by the delete that counted it (removal.ts). Their storage was
 * given back by the expunge.
 */
async function reapPage(ctx: Ctx, { mailbox, page, uids }: PageRemoval): Promise<number> {
  const wanted = [...uids];
  const plain = { mailbox, page, uid: { $in: wanted }, attachmentRefs: { $size: 0 } };
  let n = (await ctx.messages.deleteMany(plain)).deletedCount;
  if (n < wanted.length) {
    const projection = REMOVABLE_PROJECTION;
    const rest: RemovableMessage[] = await ctx.messages
      .find({ mailbox, page, uid: { $in: wanted } }, { projection })
      .toArray();
    // some are not on the page: gone already (a reap cut short), or stored before pages existed,
    // which are looked up alone
    if (rest.length + n < wanted.length) {
      const seen = new Set(rest.map((d) => d.uid));
      for (const uid of wanted) {
        if (seen.has(uid)) continue;
        const d = await ctx.messages.findOne({ mailbox, uid }, { projection });
        if (d) rest.push(d);
      }
    }
    if (rest.length) n += (await removeMessages(ctx, rest, 'all')).length;
  }
  // its pack held them too (readers of packs keep only what the mailbox index lists)
  await ctx.packs.deleteOne({ _id: packId(mailbox, page) });
  return n;
}

/**
 * Runs the reaps of one process: a moment after an expunge, at once when many messages wait, and
 * when maintenance or a shutdown asks (which also finds removals a process that died left).
 */
export class Reaper {
  private timer: NodeJS.Timeout | null = null;
  private waiting = 0;
  private running: Promise<number> | null = null;
  private closed = false;
  private again = false;

  constructor(private readonly ctx: Ctx) {}

  /** An expunge queued `n` messages. */
  queued(n: number): void {
    if (this.closed) return;
    this.waiting += n;
    if (this.waiting >= REAP_AT) {
      void this.run();
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run();
    }, REAP_DELAY_MS);
    this.timer.unref();
  }

  /** Reaps what is queued now, after a reap under way; resolves with how many messages went. */
  async now(): Promise<number> {
    await this.running;
    return this.run();
  }

  /** Reaps removals queued long enough ago that the process that queued them should have: left
   * by a process that died (maintenance asks, every few seconds). */
  async stale(): Promise<number> {
    if (this.running || this.closed) return 0;
    const before = new Date(Date.now() - 2 * REAP_DELAY_MS);
    return (await this.reap({ created: { $lt: before } })).messages;
  }

  /** One reap; a failure is logged and leaves the removals queued: the next expunge, maintenance
   * tick or shutdown tries again. */
  private reap(filter?: Filter<RemovalDoc>): Promise<{ messages: number; full: boolean }> {
    return reapQueued(this.ctx, filter).catch((err: unknown) => {
      this.ctx.opts.log('expunged messages could not be deleted yet', { err: String(err) });
      return { messages: 0, full: false };
    });
  }

  /** No more timed reaps; the last one deletes what is queued. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.now();
  }

  private run(): Promise<number> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.waiting = 0;
    if (this.running) {
      // what was queued after this reap read the removals goes in the next one
      this.again = true;
      return this.running;
    }
    const p = this.reap()
      .then(({ messages, full }) => {
        if (full) this.again = true;
        return messages;
      })
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          void this.run();
        }
      });
    this.running = p;
    return p;
  }
}
