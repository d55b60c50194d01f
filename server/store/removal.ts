// Removing message documents, shared by expunge, mailbox and user deletion and the sweep.
// Order: delete the document first, then give back its storage and attachment references, so a
// crash in between only leaves counters too high (the sweep lowers them), never a dangling body.
import type { ObjectId } from 'mongodb';
import type { Ctx } from './context.ts';
import type { MessageDoc } from './docs.ts';
import { changeRefs, countRefs } from './attachments.ts';
import { lockName } from './locks.ts';
import { dropMailboxPacks } from './packs.ts';

export type RemovableMessage = Pick<
  MessageDoc,
  '_id' | 'user' | 'mailbox' | 'uid' | 'size' | 'attachmentRefs'
>;

export const REMOVABLE_PROJECTION = {
  _id: 1,
  user: 1,
  mailbox: 1,
  uid: 1,
  size: 1,
  attachmentRefs: 1,
} as const;

/** Deletes the given messages; returns those this call actually deleted (a concurrent expunge may
 * have taken some). The caller holds the mailbox's messages lock. */
export async function removeMessages(ctx: Ctx, docs: RemovableMessage[]): Promise<RemovableMessage[]> {
  const removed: RemovableMessage[] = [];
  for (const d of docs) {
    const res = await ctx.messages.deleteOne({ _id: d._id });
    if (res.deletedCount === 1) removed.push(d);
  }
  await giveBack(ctx, removed);
  return removed;
}

/**
 * Deletes the messages with these ids, each in one command that returns what it deleted, so the
 * storage and attachment references to give back come from the deleted document itself, with no
 * read before (on FerretDB every command on the messages is a pass over them, ARCHITECTURE §10).
 * Returns those this call deleted. The caller holds the mailbox's messages lock.
 */
export async function removeByIds(ctx: Ctx, ids: readonly ObjectId[]): Promise<RemovableMessage[]> {
  const removed: RemovableMessage[] = [];
  for (const _id of ids) {
    // the whole document comes back: FerretDB 1.24's findAndModify takes no projection
    const d = await ctx.messages.findOneAndDelete({ _id });
    if (d) {
      const { user, mailbox, uid, size, attachmentRefs } = d;
      removed.push({ _id, user, mailbox, uid, size, attachmentRefs });
    }
  }
  await giveBack(ctx, removed);
  return removed;
}

/** Gives back the storage, message count and attachment references of deleted messages. */
async function giveBack(ctx: Ctx, removed: readonly RemovableMessage[]): Promise<void> {
  if (removed.length === 0) return;
  const perUser = new Map<string, { id: ObjectId; bytes: number; count: number }>();
  for (const d of removed) {
    const k = d.user.toHexString();
    const e = perUser.get(k) ?? { id: d.user, bytes: 0, count: 0 };
    e.bytes += d.size;
    e.count++;
    perUser.set(k, e);
  }
  for (const { id, bytes, count } of perUser.values()) await ctx.usage.giveBack(id, bytes, count);
  await changeRefs(ctx, countRefs(removed.map((d) => d.attachmentRefs)), -1);
}

/** Deletes every message of a mailbox in batches; returns how many. Its page packs go first: the
 * mailbox document is already gone, so no pack of it can be written again (packs.ts), and a crash
 * midway leaves messages the sweep purges, never a pack without its messages. */
export async function purgeMailbox(ctx: Ctx, mailbox: ObjectId): Promise<number> {
  await dropMailboxPacks(ctx, mailbox);
  let total = 0;
  for (;;) {
    const n = await ctx.locks.with(lockName.mailboxMessages(mailbox), async () => {
      const batch = await ctx.messages
        .find({ mailbox }, { projection: REMOVABLE_PROJECTION })
        .sort({ uid: 1 })
        .limit(200)
        .toArray();
      if (batch.length === 0) return -1;
      return (await removeMessages(ctx, batch as RemovableMessage[])).length;
    });
    if (n < 0) return total;
    total += n;
  }
}
