// Messages written at UIDs a change has just been given. A delivery may write its message at the
// UID it expects before its allocation is back (docs/ARCHITECTURE.md §3, "The guessed UID"); a
// process that died between the two left a document at a UID no allocation gave. Such a document
// was never acknowledged and no index lists it (a build lists only UIDs below the mailbox's
// uidNext), so when an allocation later gives its UID, it gives way and the write runs again.
import type { ObjectId } from 'mongodb';
import type { Ctx } from './context.ts';

/** Runs `write`, which puts `placed` at the UIDs just allocated in `mailbox`; when it fails and a
 * document left there is in the way, removes it and runs `write` once more. Any failure is looked
 * into, not only a duplicate key: FerretDB's SQLite handler reports an update that breaks a unique
 * index as an internal error. */
export async function atAllocatedUids<T>(
  ctx: Ctx,
  mailbox: ObjectId,
  placed: ReadonlyArray<{ _id: ObjectId; uid: number }>,
  write: () => Promise<T>,
): Promise<T> {
  try {
    return await write();
  } catch (err) {
    const res = await ctx.messages.deleteMany({
      mailbox,
      uid: { $in: placed.map((p) => p.uid) },
      _id: { $nin: placed.map((p) => p._id) },
    });
    // nothing in the way (or only ours, from a retried insert): the caller's error stands
    if (res.deletedCount === 0) throw err;
    ctx.opts.log('removed a message left at a UID no allocation had given', {
      mailbox: mailbox.toHexString(),
      removed: res.deletedCount,
    });
    return write();
  }
}
