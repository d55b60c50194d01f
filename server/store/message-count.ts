// The user's message count (RFC 9208 MESSAGE usage), kept with $inc beside storageUsed by every
// change of the user's messages (reservation on add and copy, removal); users stored before it
// existed have it counted once, when first needed.
import type { ObjectId } from 'mongodb';
import type { Ctx } from './context.ts';
import { StoreError } from './errors.ts';
import { lockName } from './locks.ts';

/** The sum of the sizes and the number of the user's stored messages. */
export async function countUserMessages(
  ctx: Ctx,
  user: ObjectId,
): Promise<{ bytes: number; messages: number }> {
  const rows = await ctx.messages
    .aggregate<{ _id: null; total: number }>([
      { $match: { user } },
      { $group: { _id: null, total: { $sum: '$size' } } },
    ])
    .toArray();
  // counted apart: FerretDB 1.24 answers `$sum: 1` in $group with 0
  const messages = await ctx.messages.countDocuments({ user });
  return { bytes: rows[0]?.total ?? 0, messages };
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
