// SEARCH keys (RFC 3501 §6.4.4, RFC 9051 §6.4.4) translated to the store's SearchKey. Message
// numbers and RECENT are resolved against the session's view of the mailbox.
import type { SearchKey, UidSet } from '../store/index.ts';
import type { SelectedMailbox } from './selected.ts';
import { parseDate } from './wire/datetime.ts';
import { parseSequenceSet, resolveStar } from './wire/sequence.ts';
import { ParseError, type Token } from './wire/tokens.ts';

const DAY = 24 * 3600 * 1000;
const NOTHING: SearchKey = { type: 'not', key: { type: 'all' } };

const FLAG_KEYS: Record<string, [string, boolean]> = {
  ANSWERED: ['\\Answered', true],
  DELETED: ['\\Deleted', true],
  DRAFT: ['\\Draft', true],
  FLAGGED: ['\\Flagged', true],
  SEEN: ['\\Seen', true],
  UNANSWERED: ['\\Answered', false],
  UNDELETED: ['\\Deleted', false],
  UNDRAFT: ['\\Draft', false],
  UNFLAGGED: ['\\Flagged', false],
  UNSEEN: ['\\Seen', false],
};

const ADDRESS_KEYS = { BCC: 'bcc', CC: 'cc', FROM: 'from', TO: 'to', SUBJECT: 'subject' } as const;

class Cursor {
  i = 0;
  constructor(
    readonly tokens: readonly Token[],
    readonly box: SelectedMailbox,
  ) {}

  next(what: string): Token {
    const t = this.tokens[this.i++];
    if (!t) throw new ParseError(`missing ${what}`);
    return t;
  }

  string(what: string): string {
    const t = this.next(what);
    if (t.t === 'atom') return t.v;
    if (t.t === 'string') return t.v.toString('utf8');
    throw new ParseError(`${what} must be a string`);
  }

  atom(what: string): string {
    const t = this.next(what);
    if (t.t !== 'atom') throw new ParseError(`${what} must be an atom`);
    return t.v;
  }

  number(what: string): number {
    const s = this.atom(what);
    if (!/^\d{1,20}$/.test(s)) throw new ParseError(`${what} must be a number`);
    return Number(s);
  }
}

/** Message numbers → UIDs; numbers past the end match nothing (a search is not an error there). */
function seqUids(box: SelectedMailbox, text: string): UidSet {
  const out: Array<[number, number]> = [];
  for (const [a, b] of resolveStar(parseSequenceSet(text), box.exists)) {
    if (a < 1 || a > box.exists) continue;
    out.push([box.uids[a - 1]!, box.uids[Math.min(b, box.exists) - 1]!]);
  }
  return out;
}

function uidKey(uids: UidSet): SearchKey {
  return uids.length ? { type: 'uid', uids } : NOTHING;
}

function recentKey(box: SelectedMailbox): SearchKey {
  return uidKey([...box.recent].sort((a, b) => a - b));
}

function dayRange(c: Cursor): { gte: Date; lt: Date } {
  const gte = parseDate(c.string('date'));
  return { gte, lt: new Date(gte.getTime() + DAY) };
}

function key(c: Cursor): SearchKey {
  const t = c.next('search key');
  if (t.t === 'list') {
    if (t.v.length === 0) throw new ParseError('empty search list');
    return all(new Cursor(t.v, c.box));
  }
  if (t.t !== 'atom') throw new ParseError('search key expected');
  const name = t.v.toUpperCase();
  const flag = FLAG_KEYS[name];
  if (flag) return { type: 'flag', flag: flag[0], set: flag[1] };
  if (name in ADDRESS_KEYS) {
    return { type: ADDRESS_KEYS[name as keyof typeof ADDRESS_KEYS], value: c.string('search string') };
  }
  switch (name) {
    case 'ALL':
      return { type: 'all' };
    case 'BODY':
      return { type: 'body', value: c.string('search string') };
    case 'TEXT':
      return { type: 'text', value: c.string('search string') };
    case 'HEADER': {
      const field = c.string('header field name');
      return { type: 'header', name: field, value: c.string('search string') };
    }
    case 'KEYWORD':
      return { type: 'flag', flag: c.atom('keyword'), set: true };
    case 'UNKEYWORD':
      return { type: 'flag', flag: c.atom('keyword'), set: false };
    case 'BEFORE':
      return { type: 'idate', lt: parseDate(c.string('date')) };
    case 'ON':
      return { type: 'idate', ...dayRange(c) };
    case 'SINCE':
      return { type: 'idate', gte: parseDate(c.string('date')) };
    case 'SENTBEFORE':
      return { type: 'hdate', lt: parseDate(c.string('date')) };
    case 'SENTON':
      return { type: 'hdate', ...dayRange(c) };
    case 'SENTSINCE':
      return { type: 'hdate', gte: parseDate(c.string('date')) };
    case 'LARGER':
      return { type: 'size', gt: c.number('size') };
    case 'SMALLER':
      return { type: 'size', lt: c.number('size') };
    case 'UID':
      return uidKey(c.box.uidRanges(parseSequenceSet(c.atom('UID set'))));
    case 'NOT':
      return { type: 'not', key: key(c) };
    case 'OR':
      return { type: 'or', keys: [key(c), key(c)] };
    // RFC 3501 §6.4.4: NEW is RECENT UNSEEN, OLD is NOT RECENT
    case 'RECENT':
      return recentKey(c.box);
    case 'NEW':
      return { type: 'and', keys: [recentKey(c.box), { type: 'flag', flag: '\\Seen', set: false }] };
    case 'OLD':
      return { type: 'not', key: recentKey(c.box) };
    default:
      if (/^[\d*:,]+$/.test(name)) return uidKey(seqUids(c.box, name));
      throw new ParseError(`unknown search key ${name.slice(0, 32)}`);
  }
}

function all(c: Cursor): SearchKey {
  const keys: SearchKey[] = [];
  while (c.i < c.tokens.length) keys.push(key(c));
  return keys.length === 1 ? keys[0]! : { type: 'and', keys };
}

export interface SearchRequest {
  charset: string | null;
  key: SearchKey;
}

/** The SEARCH arguments: `[CHARSET name] key…`. */
export function parseSearch(tokens: readonly Token[], box: SelectedMailbox): SearchRequest {
  const c = new Cursor(tokens, box);
  let charset: string | null = null;
  const first = tokens[0];
  if (first?.t === 'atom' && first.v.toUpperCase() === 'CHARSET') {
    c.i = 1;
    charset = c.string('charset');
  }
  if (c.i >= tokens.length) throw new ParseError('SEARCH needs a search key');
  return { charset, key: all(c) };
}
