// SELECT and EXAMINE (RFC 3501 §6.3.1-2): take the UIDs and MODSEQ from the mailbox index
// (docs/ARCHITECTURE.md §4), claim
// \Recent (read-write only), and send the required untagged responses.
import { no, ok, type Reply } from './command.ts';
import type { SelectParams } from './condstore-args.ts';
import { wireModseq } from './modseq.ts';
import { ProtocolError } from './protocol/errors.ts';
import { resyncMailbox } from './qresync.ts';
import { SelectedMailbox } from './selected.ts';
import type { Session } from './session.ts';

export async function openMailbox(
  session: Session,
  path: string,
  readOnly: boolean,
  params: SelectParams = { condstore: false },
): Promise<Reply> {
  // RFC 7162 §3.2.5: the QRESYNC parameter needs ENABLE QRESYNC first
  if (params.qresync && !session.qresync) throw new ProtocolError('QRESYNC is not enabled');
  // RFC 3501 §6.3.1: a SELECT, even a failing one, first leaves the selected mailbox
  const wasSelected = session.selected !== null;
  session.deselect();
  // RFC 7162 §3.2.11: with QRESYNC the client is told where one mailbox's responses end
  if (wasSelected && session.qresync) session.out.untagged('OK [CLOSED] Previous mailbox closed');
  // RFC 7162 §3.1.8: SELECT (CONDSTORE) enables CONDSTORE
  if (params.condstore) session.enableCondstore();
  const { store } = session;
  const box = await store.mailboxes.get(session.userId, path);
  if (!box) return no('No such mailbox', 'NONEXISTENT');
  // the shared mailbox index with every change up to the mailbox as just read; later changes
  // reach the session through its first sync
  const view = await store.messages.view(session.userId, box.id, box.modifyIndex);
  if (!view) return no('No such mailbox', 'NONEXISTENT');
  const uids = view.uids();
  const firstUnseenUid = view.firstUnseen();
  const modseq = view.modseq;
  const maxUid = uids[uids.length - 1] ?? 0;
  const mark = readOnly
    ? await session.recentMarks.peek(box.id)
    : await session.recentMarks.claim(box.id, maxUid);
  const recent = new Set<number>();
  for (let i = uids.length - 1; i >= 0 && uids[i]! > mark; i--) recent.add(uids[i]!);
  const selected = new SelectedMailbox({
    id: box.id,
    path: box.path,
    readOnly,
    uidValidity: box.uidValidity,
    uidNext: Math.max(box.uidNext, maxUid + 1),
    modseq,
    uids,
    recent,
    keywords: box.keywords,
  });
  // a change between the reads above and now rang no bell for this session: look once
  selected.dirty = true;

  // RFC 3501 §6.3.1 [UNSEEN n]: the number of the first unseen message
  const firstUnseen = firstUnseenUid === null ? 0 : selected.seqOf(firstUnseenUid);

  const out = session.out;
  // RFC 3501 §6.3.1: system flags and the keywords in use
  selected.writeFlags(out);
  out.untagged(`${uids.length} EXISTS`);
  out.untagged(`${recent.size} RECENT`);
  if (firstUnseen) out.untagged(`OK [UNSEEN ${firstUnseen}] First unseen message`);
  out.untagged(`OK [UIDVALIDITY ${box.uidValidity}] UIDs valid`);
  out.untagged(`OK [UIDNEXT ${selected.uidNext}] Predicted next UID`);
  // RFC 7162 §3.1.2.1
  if (session.condstore) out.untagged(`OK [HIGHESTMODSEQ ${wireModseq(modseq)}] Highest`);
  session.select(selected);
  // RFC 7162 §3.2.5: what changed since the client's last visit, when it still knows this mailbox
  if (params.qresync && params.qresync.uidValidity === box.uidValidity) {
    await resyncMailbox(selected, view, params.qresync, out);
  }
  return ok(`${readOnly ? 'EXAMINE' : 'SELECT'} completed`, readOnly ? 'READ-ONLY' : 'READ-WRITE');
}
