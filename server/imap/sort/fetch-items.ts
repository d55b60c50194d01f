// Reads what SORT and THREAD order by: dates and sizes from the mailbox index, subjects,
// addresses and message ids from the message documents (only when a key needs them).
import type { MessageField, MessageView, UidSet } from '../../store/index.ts';
import type { Session } from '../session.ts';

export interface SortSource {
  uid: number;
  idate: number;
  hdate: number;
  size: number;
  doc?: MessageView;
}

/** Consecutive UIDs as ranges, so a large result is one short set. */
function ranges(uids: readonly number[]): UidSet {
  const out: Array<[number, number]> = [];
  for (const u of uids) {
    const last = out[out.length - 1];
    if (last && u === last[1] + 1) last[1] = u;
    else out.push([u, u]);
  }
  return out;
}

/** One source per UID (ascending), with the document's `fields` when any are asked for. A message
 * expunged meanwhile is left out. */
export async function loadSources(
  session: Session,
  uids: readonly number[],
  fields: readonly MessageField[],
): Promise<SortSource[]> {
  const box = session.selected!;
  const view = await session.store.messages.view(session.userId, box.id);
  const out = new Map<number, SortSource>();
  // the index is shared and changes in place: read it before the next await
  for (const uid of uids) {
    const e = view?.get(uid);
    if (e) out.set(uid, { uid, idate: e.idate, hdate: e.hdate, size: e.size });
  }
  if (fields.length && out.size) {
    for await (const doc of session.store.messages.fetch(
      session.userId,
      box.id,
      ranges([...out.keys()]),
      fields,
    )) {
      const s = out.get(doc.uid);
      if (s) s.doc = doc;
    }
  }
  return [...out.values()];
}
