// Message reads FerretDB's SQLite handler passes down to SQLite: every filter here is a bare
// `_id`, and the mailbox (and uid) are checked on the document that comes back. A lookup by
// (mailbox, uid) goes through the _id the mailbox index lists (see uid-ids.ts for why an _id).
import { ObjectId, type Document } from 'mongodb';
import type { Ctx } from './context.ts';
import type { MessageDoc } from './docs.ts';

/** Reads in flight at once: enough to hide round trips, few enough not to flood the database. */
const PARALLEL = 8;

type Projection = Record<string, 0 | 1>;
type Located = Partial<MessageDoc> & Pick<MessageDoc, '_id' | 'mailbox' | 'uid'>;

/** null reads whole documents. */
function withLocation(projection: Projection | null): Projection | undefined {
  return projection ? { ...projection, _id: 1, mailbox: 1, uid: 1 } : undefined;
}

/** The documents among `ids` still in `mailbox`, ascending by uid. */
export async function readInMailbox<T extends Document = Located>(
  ctx: Ctx,
  ids: readonly ObjectId[],
  mailbox: ObjectId,
  projection: Projection | null,
  extra?: { promoteBuffers?: boolean },
): Promise<Array<T & Located>> {
  const out: Array<T & Located> = [];
  const p = withLocation(projection);
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      const d = (await ctx.messages.findOne({ _id: id }, { projection: p, ...extra })) as
        (T & Located) | null;
      if (d && d.mailbox.equals(mailbox)) out.push(d);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, ids.length) }, worker));
  return out.sort((a, b) => a.uid - b.uid);
}

/** One message by (mailbox, uid), through the _id its mailbox index lists. */
export async function readByUid<T extends Document = Located>(
  ctx: Ctx,
  mailbox: ObjectId,
  uid: number,
  projection: Projection | null,
  extra?: { promoteBuffers?: boolean },
): Promise<(T & Located) | null> {
  const p = withLocation(projection);
  // the mailbox index, brought up to the mailbox, names the message: an expunged one whose document
  // waits for the reaper (reaper.ts) is in no index
  const listed = (await ctx.index.current(mailbox))?.get(uid)?.id;
  if (!listed) return null;
  const d = (await ctx.messages.findOne({ _id: new ObjectId(listed) }, { projection: p, ...extra })) as
    (T & Located) | null;
  return d && d.mailbox.equals(mailbox) && d.uid === uid ? d : null;
}
