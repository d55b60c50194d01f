// QRESYNC's catching up (RFC 7162 §3.2.5, §3.2.6): the UIDs a client may still hold that are gone,
// and the flags that changed since the MODSEQ it remembers. Expunged UIDs come from the mailbox
// index's memory of expunges (docs/ARCHITECTURE.md §6); when it does not reach back that far, every
// UID the client may know that this session does not have is reported (RFC 7162 §3.2.5.2 allows
// more than needed; the client ignores UIDs it never had).
import type { MailboxView, UidSet } from '../store/index.ts';
import type { QresyncParams } from './condstore-args.ts';
import { flagList } from './format.ts';
import { storedModseq, wireModseq } from './modseq.ts';
import { resolveSequenceSet } from './protocol/parse.ts';
import { formatSequenceSet, type ResponseCode, type ResponseWriter } from './protocol/response.ts';
import type { Session } from './session.ts';
import type { SelectedMailbox } from './selected.ts';

/** Sorted, merged inclusive ranges of `uids`, clipped to `max`. */
function mergeRanges(uids: UidSet, max: number): Array<[number, number]> {
  const ranges = uids
    .map((u): [number, number] =>
      typeof u === 'number' ? [u, u] : [Math.min(u[0], u[1]), Math.max(u[0], u[1])],
    )
    .filter(([lo]) => lo <= max)
    .map(([lo, hi]): [number, number] => [lo, Math.min(hi, max)])
    .sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push(r);
  }
  return out;
}

/**
 * The text of `VANISHED (EARLIER)` for the UIDs in `asked` expunged after the stored MODSEQ
 * `since`, or null when there are none. Work is bounded by the ranges asked and the session's UIDs.
 */
export function vanishedEarlier(
  box: SelectedMailbox,
  view: MailboxView,
  asked: UidSet,
  since: number,
): string | null {
  const ranges = mergeRanges(asked, box.uidNext - 1);
  const gone = view.expungedSince(since);
  if (gone !== null) {
    const inAsked = gone.filter((u) => !box.has(u) && ranges.some(([lo, hi]) => u >= lo && u <= hi));
    return inAsked.length ? formatSequenceSet(inAsked) : null;
  }
  // further back than the index remembers: every UID asked that the session does not have
  const parts: string[] = [];
  const uids = box.uids;
  for (const [lo, hi] of ranges) {
    let next = lo;
    let i = lowerBound(uids, lo);
    for (; i < uids.length && uids[i]! <= hi; i++) {
      if (uids[i]! > next) parts.push(span(next, uids[i]! - 1));
      next = uids[i]! + 1;
    }
    if (next <= hi) parts.push(span(next, hi));
  }
  return parts.length ? parts.join(',') : null;
}

function span(a: number, b: number): string {
  return a === b ? String(a) : `${a}:${b}`;
}

function lowerBound(list: readonly number[], v: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** After SELECT/EXAMINE (QRESYNC …): VANISHED (EARLIER), then a FETCH for each changed message. */
export async function resyncMailbox(
  box: SelectedMailbox,
  view: MailboxView,
  params: QresyncParams,
  out: ResponseWriter,
): Promise<void> {
  const since = storedModseq(params.modseq);
  // RFC 7162 §3.2.5: without known UIDs the client may know any UID given out
  const known: UidSet = params.knownUids
    ? resolveSequenceSet(params.knownUids, box.uidNext - 1)
    : [[1, box.uidNext - 1]];
  const vanished = box.uidNext > 1 ? vanishedEarlier(box, view, known, since) : null;
  // the shared index is read at once; only messages the session has are reported
  const changed = view.entries.filter((e) => e.modseq > since && box.has(e.uid));
  if (vanished) out.untagged(`VANISHED (EARLIER) ${vanished}`);
  for (const e of changed) {
    const seq = box.seqOf(e.uid);
    if (!seq) continue;
    box.announceKeywords(e.flags, out);
    const fl = flagList([...e.flags], box.recent.has(e.uid));
    out.untagged(`${seq} FETCH (UID ${e.uid} FLAGS ${fl}${box.modseqItem(e.modseq)})`);
    await out.maybeFlush();
  }
}

/**
 * What the tagged OK of EXPUNGE, UID EXPUNGE and MOVE carries once QRESYNC is on: the mailbox's
 * new HIGHESTMODSEQ (as RFC 7162 §3.2.10's EXPUNGE example shows; a client resynchronises from it
 * with SELECT (QRESYNC …), §3.2.5). The session first catches up with the index, so every change up
 * to that MODSEQ has been told.
 */
export async function highestModseqCode(session: Session): Promise<ResponseCode | undefined> {
  const box = session.selected;
  if (!session.qresync || !box) return undefined;
  await box.sync('all', session.syncDeps(), true);
  return { code: 'HIGHESTMODSEQ', value: wireModseq(box.highestModseq) };
}
