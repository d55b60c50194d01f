// Which expunged messages still have documents: an expunge queues their removal (reaper.ts), and
// every read that lists message documents by query rather than through the mailbox index leaves
// these out (docs/ARCHITECTURE.md §3, "Removal after the expunge").
import type { ObjectId } from 'mongodb';
import type { Ctx } from './context.ts';

/** `mailbox:uid` of a message document, as `queuedIn` lists them. */
export const removalKey = (mailbox: ObjectId, uid: number): string => `${mailbox.toHexString()}:${uid}`;

/** The messages an expunge took out whose documents are still to be deleted (reaper.ts), of one
 * mailbox, of one user or of all, as `removalKey`s: reads that list message documents by query
 * leave them out. */
export async function queuedIn(
  ctx: Ctx,
  of: { mailbox: ObjectId } | { user: ObjectId } | Record<string, never>,
): Promise<Set<string>> {
  const out = new Set<string>();
  for await (const r of ctx.removals.find(of, { projection: { mailbox: 1, uids: 1 } }))
    for (const uid of r.uids) out.add(removalKey(r.mailbox, uid));
  return out;
}
