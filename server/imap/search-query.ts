// SEARCH keys (RFC 3501 §6.4.4, RFC 9051 §6.4.4), as parsed by protocol/parse.ts, translated to the
// store's SearchKey. Message numbers and \Recent are resolved against the session's view.
import type { SearchKey as StoreKey, UidSet } from '../store/index.ts';
import type { ImapDate, SearchKey } from './protocol/parse.ts';
import type { SelectedMailbox } from './selected.ts';
import { resolveStar } from './selected.ts';
import { storedModseq } from './modseq.ts';

const DAY = 24 * 3600 * 1000;
const NOTHING: StoreKey = { type: 'not', key: { type: 'all' } };

/** Message numbers → UIDs; numbers past the end match nothing (a search is not an error there). */
function seqUids(box: SelectedMailbox, set: Parameters<typeof resolveStar>[0]): UidSet {
  if (set.saved) return box.savedUids();
  const out: Array<[number, number]> = [];
  for (const [a, b] of resolveStar(set, box.exists)) {
    if (a < 1 || a > box.exists) continue;
    out.push([box.uids[a - 1]!, box.uids[Math.min(b, box.exists) - 1]!]);
  }
  return out;
}

function uidKey(uids: UidSet): StoreKey {
  return uids.length ? { type: 'uid', uids } : NOTHING;
}

/** \Recent is the session's own knowledge (RFC 3501 §2.3.2), not a stored flag. */
function recentKey(box: SelectedMailbox): StoreKey {
  return uidKey([...box.recent].sort((a, b) => a - b));
}

/** The UTC midnight that starts the day (RFC 3501 §6.4.4: dates disregard time and zone). */
function midnight(d: ImapDate): Date {
  return new Date(Date.UTC(d.year, d.month - 1, d.day));
}

/** Keys that read a message's content (header fields, text, the Date: header): the mailbox index
 * cannot answer them, but a message's answer to them never changes. */
export function readsContent(key: SearchKey): boolean {
  return (
    key.type === 'field' ||
    key.type === 'header' ||
    key.type === 'body' ||
    key.type === 'text' ||
    (key.type === 'date' && key.field === 'sent')
  );
}

/** The content keys of a query, each parsed node once. */
export function contentKeys(key: SearchKey, out: SearchKey[] = []): SearchKey[] {
  if (readsContent(key)) out.push(key);
  else if (key.type === 'not') contentKeys(key.key, out);
  else if (key.type === 'or') contentKeys(key.right, contentKeys(key.left, out));
  else if (key.type === 'and') for (const k of key.keys) contentKeys(k, out);
  return out;
}

/** The store's key for a parsed SEARCH key, in the context of the selected mailbox. `known`
 * may answer a content key with the UIDs known to match it (search contexts, RFC 5267 §4.3). */
export function toStoreKey(
  key: SearchKey,
  box: SelectedMailbox,
  known?: (key: SearchKey) => readonly number[] | undefined,
): StoreKey {
  const uids = known && readsContent(key) ? known(key) : undefined;
  if (uids) return uidKey([...uids]);
  switch (key.type) {
    case 'all':
      return { type: 'all' };
    case 'flag':
      if (key.flag === '\\Recent') return key.value ? recentKey(box) : { type: 'not', key: recentKey(box) };
      return { type: 'flag', flag: key.flag, set: key.value };
    case 'field':
      return { type: key.field, value: key.value };
    case 'header':
      return { type: 'header', name: key.field, value: key.value };
    case 'body':
      return { type: 'body', value: key.value };
    case 'text':
      return { type: 'text', value: key.value };
    case 'date': {
      const type = key.field === 'internal' ? 'idate' : 'hdate';
      const day = midnight(key.date);
      if (key.op === 'before') return { type, lt: day };
      if (key.op === 'since') return { type, gte: day };
      return { type, gte: day, lt: new Date(day.getTime() + DAY) };
    }
    case 'size':
      return key.op === 'larger' ? { type: 'size', gt: key.value } : { type: 'size', lt: key.value };
    case 'within': {
      // RFC 5032 §3: OLDER is an internal date more than n seconds ago, YOUNGER within them
      const edge = new Date(Date.now() - key.seconds * 1000);
      return key.op === 'older' ? { type: 'idate', lt: edge } : { type: 'idate', gte: edge };
    }
    case 'uid':
      return uidKey(box.uidRanges(key.set));
    case 'seq':
      return uidKey(seqUids(box, key.set));
    case 'modseq':
      return { type: 'modseq', gte: storedModseq(key.value) };
    case 'not':
      return { type: 'not', key: toStoreKey(key.key, box, known) };
    case 'or':
      return { type: 'or', keys: [toStoreKey(key.left, box, known), toStoreKey(key.right, box, known)] };
    case 'and':
      return { type: 'and', keys: key.keys.map((k) => toStoreKey(k, box, known)) };
  }
}

/** True when the query has a MODSEQ key: the result then ends with `(MODSEQ n)` (RFC 7162 §3.1.5). */
export function usesModseq(key: SearchKey): boolean {
  switch (key.type) {
    case 'modseq':
      return true;
    case 'not':
      return usesModseq(key.key);
    case 'or':
      return usesModseq(key.left) || usesModseq(key.right);
    case 'and':
      return key.keys.some(usesModseq);
    default:
      return false;
  }
}
