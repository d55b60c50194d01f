// Subscriptions that outlived their mailbox. A subscription is a name, not a mailbox: it stays
// until UNSUBSCRIBE even when the mailbox it names is deleted (RFC 3501 §6.3.9). A mailbox that
// exists carries its own `subscribed` flag (which travels with it on RENAME); this collection holds
// only the names whose mailbox is gone, one document per (user, path).
import type { ObjectId } from 'mongodb';
import type { Ctx } from './context.ts';

/** Remembers that `path` stays subscribed although its mailbox is gone. */
export async function keepLostSubscription(ctx: Ctx, user: ObjectId, path: string): Promise<void> {
  await ctx.subscriptions.updateOne(
    { user, path },
    { $setOnInsert: { user, path, created: new Date() } },
    { upsert: true },
  );
}

/** Forgets a lost subscription; true when there was one. */
export async function dropLostSubscription(ctx: Ctx, user: ObjectId, path: string): Promise<boolean> {
  const res = await ctx.subscriptions.deleteOne({ user, path });
  return res.deletedCount > 0;
}

/** The paths of a user's lost subscriptions. */
export async function lostSubscriptions(ctx: Ctx, user: ObjectId): Promise<string[]> {
  const docs = await ctx.subscriptions.find({ user }, { projection: { path: 1 } }).toArray();
  return docs.map((d) => d.path);
}
