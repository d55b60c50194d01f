// The user's message count (RFC 9208 MESSAGE usage), kept with $inc beside storageUsed by every
// change of the user's messages (reservation on add and copy, removal); users stored before it
// existed have it counted once, when first needed.
import type { ObjectId } from 'mongodb';
import type { Ctx } from './context.ts';
import { StoreError } from './errors.ts';
import { lockName } from './locks.ts';
import { queuedIn, removalKey } from './queued.ts';

/**
 * The sum of the sizes and the number of the user's stored messages, from one query listing their
 * sizes: FerretDB decodes every message document for a query on `user` and for an aggregation
 * alike (ARCHITECTURE §10), and 1.24 answers `$sum: 1` in `$group` with 0, so summing in $group
 * and counting apart was two passes over the messages where one does.
 */
export async function countUserMessages(
  ctx: Ctx,
  user: ObjectId,
): Promise<{ bytes: number; messages: number }> {
  let bytes = 0;
  let messages = 0;
  // expunged messages whose documents wait for the reaper count no more (reaper.ts); the removals
  // are read first, so one reaped meanwhile has taken its documents with it
  const queued = await queuedIn(ctx, { user });
  const sizes = ctx.messages
    .find({ user }, { projection: { _id: 0, size: 1, mailbox: 1, uid: 1 } })
    .batchSize(10_000);
  for await (const d of sizes) {
    if (queued.has(removalKey(d.mailbox, d.uid))) continue;
    bytes += d.size ?? 0;
    messages++;
  }
  return { bytes, messages };
}

/** The user's message count; for a user stored before it was kept, counted under the user's lock
 * and stored, so every later change keeps it with $inc. */
export async function messageCount(ctx: Ctx, user: ObjectId): Promise<number> {
  return ctx.locks.with(lockName.user(user), () => messageCountLocked(ctx, user));
}

/** `messageCount` for a caller that holds the user's lock. */
export async function messageCountLocked(ctx: Ctx, user: ObjectId): Promise<number> {
  const u = await ctx.users.findOne({ _id: user }, { projection: { messagesUsed: 1 } });
  if (!u) throw new StoreError('NOUSER', 'no such user');
  if (u.messagesUsed !== undefined) return u.messagesUsed;
  const { messages } = await countUserMessages(ctx, user);
  await ctx.users.updateOne({ _id: user }, { $set: { messagesUsed: messages } });
  return messages;
}
