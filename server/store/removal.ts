// Removing message documents, shared by the reaper of expunged messages, mailbox and user deletion
// and the sweep. Order: delete the document first, then give back its storage and attachment
// references, so a crash in between only leaves counters too high (the sweep lowers them), never a
// dangling body. An expunge gives back storage itself, after its removal is queued (reaper.ts).
import type { ObjectId } from 'mongodb';
import type { Ctx } from './context.ts';
import type { MessageDoc } from './docs.ts';
import { changeRefs, countRefs } from './attachments.ts';
import { lockName } from './locks.ts';
import { dropMailboxPacks } from './packs.ts';
import { queuedIn, removalKey } from './queued.ts';

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

/** Deletes the given messages; returns those this call actually deleted (another removal may have
 * taken some: each deletion's count says which, where FerretDB's findAndModify would return the
 * document to both of two concurrent callers). Those in `givenBack` (expunged ones, whose expunge
 * gave back their storage, reaper.ts) give back only their attachment references. */
export async function removeMessages(
  ctx: Ctx,
  docs: RemovableMessage[],
  givenBack: ReadonlySet<string> | 'all' = new Set(),
): Promise<RemovableMessage[]> {
  const removed: RemovableMessage[] = [];
  for (const d of docs) {
    const res = await ctx.messages.deleteOne({ _id: d._id });
    if (res.deletedCount === 1) removed.push(d);
  }
  if (givenBack !== 'all')
    await giveBackStorage(
      ctx,
      removed.filter((d) => !givenBack.has(removalKey(d.mailbox, d.uid))),
    );
  await giveBackRefs(ctx, removed);
  return removed;
}

/** Gives back the storage and message count of messages taken out of the store. */
export async function giveBackStorage(
  ctx: Ctx,
  removed: ReadonlyArray<Pick<RemovableMessage, 'user' | 'size'>>,
): Promise<void> {
  const perUser = new Map<string, { id: ObjectId; bytes: number; count: number }>();
  for (const d of removed) {
    const k = d.user.toHexString();
    const e = perUser.get(k) ?? { id: d.user, bytes: 0, count: 0 };
    e.bytes += d.size;
    e.count++;
    perUser.set(k, e);
  }
  for (const { id, bytes, count } of perUser.values()) await ctx.usage.giveBack(id, bytes, count);
}

/** Gives back the attachment references of deleted messages. */
async function giveBackRefs(ctx: Ctx, removed: readonly RemovableMessage[]): Promise<void> {
  await changeRefs(ctx, countRefs(removed.map((d) => d.attachmentRefs)), -1);
}

/** Deletes every message of a mailbox in batches; returns how many. Its page packs go first: the
 * mailbox document is already gone, so no pack of it can be written again (packs.ts), and a crash
 * midway leaves messages the sweep purges, never a pack without its messages. */
export async function purgeMailbox(ctx: Ctx, mailbox: ObjectId): Promise<number> {
  await dropMailboxPacks(ctx, mailbox);
  // expunged messages still to be deleted: their storage was given back by the expunge
  const queued = await queuedIn(ctx, { mailbox });
  let total = 0;
  for (;;) {
    const n = await ctx.locks.with(lockName.mailboxMessages(mailbox), async () => {
      const batch = await ctx.messages
        .find({ mailbox }, { projection: REMOVABLE_PROJECTION })
        .sort({ uid: 1 })
        .limit(200)
        .toArray();
      if (batch.length === 0) return -1;
      return (await removeMessages(ctx, batch as RemovableMessage[], queued)).length;
    });
    if (n < 0) {
      await ctx.removals.deleteMany({ mailbox });
      return total;
    }
    total += n;
  }
}
