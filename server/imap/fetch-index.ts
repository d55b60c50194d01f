// FETCH responses answered from the mailbox index alone (docs/ARCHITECTURE.md §3): UID, FLAGS,
// MODSEQ, INTERNALDATE and RFC822.SIZE of a FETCH, and the new flags a STORE reports. The lines are
// built as text in one pass over the index entries and written a large chunk at a time, waiting on
// the socket between chunks (§6), so a 100 000-message mailbox costs neither a promise per message
// nor more memory than a chunk.
import { uidRanges, type MailboxView, type UidSet } from '../store/index.ts';
import type { Session } from './session.ts';
import type { SelectedMailbox } from './selected.ts';
import type { FetchItem } from './protocol/parse.ts';
import { formatDateTime } from './protocol/response.ts';
import { wireModseq } from './modseq.ts';

/** Text gathered before it is handed to the socket. */
const CHUNK = 64 * 1024;

type IndexKind = 'UID' | 'FLAGS' | 'MODSEQ' | 'INTERNALDATE' | 'RFC822.SIZE';
export interface IndexItem {
  kind: IndexKind;
}

const INDEX_KINDS = new Set<FetchItem['kind']>(['UID', 'FLAGS', 'MODSEQ', 'INTERNALDATE', 'RFC822.SIZE']);

/** True when the index alone answers every item (no message is read, none becomes \Seen). */
export function answeredByIndex(items: readonly FetchItem[]): items is Array<FetchItem & IndexItem> {
  return items.every((i) => INDEX_KINDS.has(i.kind));
}

/**
 * The shared index with every change this session knows of: those it saw at its last sync, its
 * own, and those beacons announced since (docs/ARCHITECTURE.md §4). Unlike a plain `view`, it
 * does not read the mailbox document for its latest MODSEQ; a change no beacon announced yet
 * comes with the next sync, as it would had it come a moment later.
 */
export function knownView(session: Session, atLeast = 0): Promise<MailboxView | null> {
  const box = session.selected!;
  return session.store.messages.view(session.userId, box.id, Math.max(box.highestModseq, box.want, atLeast));
}

export interface IndexFetch {
  items: readonly IndexItem[];
  /** RFC 7162 §3.1.4.1: messages not changed after this stored MODSEQ are counted, not written. */
  changedSince?: number | undefined;
  /** Messages left out entirely (STORE: those UNCHANGEDSINCE kept, RFC 7162 §3.1.3). */
  skip?: ReadonlySet<number>;
}

/**
 * Writes `* n FETCH (…)` for every message of `uids` the session knows and the index still has,
 * items in the order asked. Returns how many messages were answered (those CHANGEDSINCE leaves
 * out included), for the caller's EXPUNGEISSUED check.
 */
export async function writeIndexFetch(
  session: Session,
  box: SelectedMailbox,
  view: MailboxView,
  uids: UidSet,
  req: IndexFetch,
): Promise<number> {
  const out = session.out;
  const { items, changedSince, skip } = req;
  // the index shares one array per flag combination: each is checked for new keywords and
  // formatted once per command
  const flagText = new Map<readonly string[], string>();
  const seqs = box.uids;
  let next = 0; // where the next message number is looked for first
  let sent = 0;
  let chunk = '';
  for (const [lo, hi] of uidRanges(uids)) {
    let i = view.lowerBound(lo);
    while (i < view.entries.length) {
      const e = view.entries[i++]!;
      if (e.uid > hi) break;
      let seq: number;
      if (seqs[next] === e.uid) seq = ++next;
      else {
        const at = box.indexOf(e.uid);
        if (at < 0) continue; // not yet announced to this session
        next = at + 1;
        seq = next;
      }
      if (changedSince !== undefined && e.modseq <= changedSince) {
        sent++;
        continue;
      }
      if (skip?.has(e.uid)) continue;
      sent++;
      let line = `* ${seq} FETCH (`;
      for (let k = 0; k < items.length; k++) {
        if (k > 0) line += ' ';
        switch (items[k]!.kind) {
          case 'UID':
            line += `UID ${e.uid}`;
            break;
          case 'FLAGS': {
            let text = flagText.get(e.flags);
            if (text === undefined) {
              if (chunk) out.queue(chunk);
              chunk = '';
              // RFC 3501 §7.2.6: a keyword the client was not told of comes in FLAGS first
              box.announceKeywords(e.flags, out);
              text = e.flags.join(' ');
              flagText.set(e.flags, text);
            }
            // \Recent is the session's own (RFC 3501 §2.3.2), after the stored flags
            if (box.recent.has(e.uid)) text = text ? `${text} \\Recent` : '\\Recent';
            line += `FLAGS (${text})`;
            break;
          }
          case 'MODSEQ':
            line += `MODSEQ (${wireModseq(e.modseq)})`;
            break;
          case 'INTERNALDATE':
            line += `INTERNALDATE ${formatDateTime(new Date(e.idate))}`;
            break;
          case 'RFC822.SIZE':
            line += `RFC822.SIZE ${e.size}`;
            break;
        }
      }
      chunk += `${line})\r\n`;
      if (chunk.length >= CHUNK) {
        out.queue(chunk);
        chunk = '';
        await out.maybeFlush();
        if (out.closed) return sent;
        // the shared index may have changed in place meanwhile: go on after the last UID written
        i = view.lowerBound(e.uid + 1);
      }
    }
  }
  if (chunk) out.queue(chunk);
  return sent;
}
