// Typed parsers over the reader's tokens for the arguments commands take. Each throws ProtocolError
// with a message fit for the tagged BAD answer (RFC 3501 §9 formal syntax throughout).
import { IMAP_MAX_DEPTH } from '../../limits.ts';
import { ProtocolError } from './errors.ts';
import type { AtomToken, Token } from './reader.ts';

// ---- plain values ----

/** An astring (RFC 3501 §9): atom, quoted, literal (as UTF-8) or NIL taken as the word "NIL". */
export function astring(tok: Token | undefined, what = 'argument'): string {
  switch (tok?.kind) {
    case 'atom':
      if (tok.bracket) throw new ProtocolError(`Invalid ${what}`);
      return tok.value;
    case 'quoted':
      return tok.value;
    case 'literal':
      return tok.value.toString('utf8');
    case 'nil':
      return tok.raw;
    default:
      throw new ProtocolError(`Missing or invalid ${what}`);
  }
}

/** A plain atom (no brackets), e.g. a command keyword. */
export function atom(tok: Token | undefined, what = 'argument'): string {
  if (tok?.kind === 'atom' && !tok.bracket) return tok.value;
  if (tok?.kind === 'nil') return tok.raw;
  throw new ProtocolError(`Missing or invalid ${what}`);
}

/** A mailbox name as sent (still modified UTF-7); INBOX in any case is INBOX (RFC 3501 §5.1). */
export function mailboxName(tok: Token | undefined): string {
  const name = astring(tok, 'mailbox name');
  return name.toUpperCase() === 'INBOX' ? 'INBOX' : name;
}

/** RFC 3501 §9 number (32-bit unsigned) or nz-number. */
export function parseNumber(text: string, nonZero = false): number {
  if (!/^\d{1,10}$/.test(text)) throw new ProtocolError(`Invalid number: ${text.slice(0, 20)}`);
  const n = Number(text);
  if (n > 0xffffffff || (nonZero && n === 0)) throw new ProtocolError(`Invalid number: ${text}`);
  return n;
}

/** Fails when arguments are left over. */
export function expectEnd(args: readonly Token[], used: number): void {
  if (args.length > used) throw new ProtocolError('Too many arguments');
}

// ---- sequence sets (RFC 3501 §9 sequence-set, §6.4.8 for UIDs) ----

/** `'*'` is the largest number in use (RFC 3501 §9 seq-number). */
export type SeqNumber = number | '*';
export interface SeqRange {
  start: SeqNumber;
  end: SeqNumber;
}
/** `saved`: the set is `$`, the saved search result (RFC 5182 §2.1), and has no ranges. */
export type SequenceSet = SeqRange[] & { saved?: true };

/** Parses `1:3,5,7:*`, or `$` (RFC 5182 §3 seq-last-command). */
export function parseSequenceSet(text: string): SequenceSet {
  if (text.length === 0) throw new ProtocolError('Empty sequence set');
  if (text === '$') return Object.assign([], { saved: true as const });
  const out: SequenceSet = [];
  for (const part of text.split(',')) {
    const [a, b, extra] = part.split(':');
    if (a === undefined || extra !== undefined) throw new ProtocolError(`Invalid sequence set: ${part}`);
    const start = seqNumber(a);
    out.push({ start, end: b === undefined ? start : seqNumber(b) });
  }
  return out;
}

function seqNumber(text: string): SeqNumber {
  if (text === '*') return '*';
  try {
    return parseNumber(text, true);
  } catch {
    throw new ProtocolError(`Invalid sequence number: ${text.slice(0, 20)}`);
  }
}

/** A sequence set from a token (an atom). */
export function sequenceSet(tok: Token | undefined): SequenceSet {
  if (tok?.kind !== 'atom' || tok.bracket) throw new ProtocolError('Missing or invalid sequence set');
  return parseSequenceSet(tok.value);
}

/** Resolves a set against the largest number in use (`*`), as sorted, merged, inclusive
 * [low, high] ranges. `4:2` is 2:4 and `*` is `max` (RFC 3501 §9); with max 0 the result is empty.
 * Numbers above `max` are clipped, so `UID 900:*` still names the last UID (RFC 3501 §6.4.8). */
export function resolveSequenceSet(set: SequenceSet, max: number): Array<[number, number]> {
  if (max <= 0) return [];
  const ranges: Array<[number, number]> = [];
  for (const r of set) {
    const a = r.start === '*' ? max : r.start;
    const b = r.end === '*' ? max : r.end;
    const lo = Math.min(a, b);
    const hi = Math.min(Math.max(a, b), max);
    if (lo > max) continue;
    ranges.push([lo, hi]);
  }
  ranges.sort((x, y) => x[0] - y[0]);
  const merged: Array<[number, number]> = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

/** True when `n` is in the set (with `*` = max). */
export function inSequenceSet(set: SequenceSet, n: number, max: number): boolean {
  return set.some((r) => {
    const a = r.start === '*' ? max : r.start;
    const b = r.end === '*' ? max : r.end;
    return n >= Math.min(a, b) && n <= Math.max(a, b);
  });
}

// ---- dates (RFC 3501 §9 date, date-time) ----

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export interface ImapDate {
  year: number;
  /** 1..12 */
  month: number;
  day: number;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function checkDate(day: string, mon: string, year: string): ImapDate {
  const month = MONTHS.findIndex((m) => m.toLowerCase() === mon.toLowerCase()) + 1;
  const d = Number(day);
  const y = Number(year);
  if (month === 0 || d < 1 || d > daysIn(y, month)) throw new ProtocolError('Invalid date');
  return { year: y, month, day: d };
}

/** `d-Mon-yyyy` (RFC 3501 §9 date; SEARCH keys). */
export function parseDate(text: string): ImapDate {
  const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(text);
  if (!m) throw new ProtocolError('Invalid date');
  return checkDate(m[1]!, m[2]!, m[3]!);
}

export interface ImapDateTime {
  /** The instant, in UTC. */
  date: Date;
  /** The sender's offset from UTC in minutes (east positive), kept for INTERNALDATE output. */
  offsetMinutes: number;
}

/** `dd-Mon-yyyy hh:mm:ss +zzzz` with a space-padded or two-digit day (RFC 3501 §9 date-time). */
export function parseDateTime(text: string): ImapDateTime {
  const m = /^([ \d]\d)-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)$/.exec(text);
  if (!m || m[1]!.startsWith(' 0') || m[1] === '  ') throw new ProtocolError('Invalid date-time');
  const d = checkDate(m[1]!.trim(), m[2]!, m[3]!);
  const [hh, mm, ss, zh, zm] = [m[4], m[5], m[6], m[8], m[9]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  if (hh > 23 || mm > 59 || ss > 59 || zm > 59) throw new ProtocolError('Invalid date-time');
  const offsetMinutes = (m[7] === '-' ? -1 : 1) * (zh * 60 + zm);
  const ms = Date.UTC(d.year, d.month - 1, d.day, hh, mm, ss) - offsetMinutes * 60_000;
  return { date: new Date(ms), offsetMinutes };
}

// ---- flags (RFC 3501 §2.3.2, §9 flag) ----

const SYSTEM_FLAGS = new Map(
  ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'].map((f) => [f.toLowerCase(), f]),
);

/** One flag: a system flag in its canonical case, or a keyword atom. `\Recent` and `\*` cannot be
 * set by a client (RFC 3501 §2.3.2) and are refused. */
export function parseFlag(text: string): string {
  if (text.startsWith('\\')) {
    const flag = SYSTEM_FLAGS.get(text.toLowerCase());
    if (!flag) throw new ProtocolError(`Invalid flag: ${text.slice(0, 40)}`);
    return flag;
  }
  // flag-keyword = atom: no list-wildcards, quoted-specials or resp-specials.
  if (!/^[!#$&'+,\-./0-9:;<=>?@A-Z^_`a-z|~]+$/.test(text)) {
    throw new ProtocolError(`Invalid keyword: ${text.slice(0, 40)}`);
  }
  return text;
}

/** A flag list `(\Seen foo)`, or for STORE also bare flags (RFC 3501 §6.4.6); duplicates removed.
 * `\Recent` is skipped: the client cannot alter it (RFC 3501 §2.3.2), so asking changes nothing. */
export function parseFlagList(tokens: readonly Token[]): string[] {
  const items = tokens.length === 1 && tokens[0]!.kind === 'list' ? tokens[0]!.items : tokens;
  const out = new Set<string>();
  for (const t of items) {
    const text = atom(t, 'flag');
    if (text.toLowerCase() !== '\\recent') out.add(parseFlag(text));
  }
  return [...out];
}

export interface StoreArgs {
  set: SequenceSet;
  /** `+FLAGS` adds, `-FLAGS` removes, `FLAGS` replaces. */
  op: 'add' | 'remove' | 'replace';
  silent: boolean;
  flags: string[];
}

/** STORE sequence-set [+-]FLAGS[.SILENT] flags (RFC 3501 §6.4.6). */
export function parseStoreArgs(args: readonly Token[]): StoreArgs {
  const set = sequenceSet(args[0]);
  const m = /^([+-]?)FLAGS(\.SILENT)?$/i.exec(atom(args[1], 'store item'));
  if (!m) throw new ProtocolError('Invalid store item');
  if (args.length < 3) throw new ProtocolError('Missing flags');
  const op = m[1] === '+' ? 'add' : m[1] === '-' ? 'remove' : 'replace';
  return { set, op, silent: m[2] !== undefined, flags: parseFlagList(args.slice(2)) };
}

// ---- FETCH (RFC 3501 §6.4.5, RFC 9051 §6.4.5) ----

export interface Section {
  /** Part numbers, `1.2` → [1, 2]; empty for the whole message. */
  parts: number[];
  kind?: 'HEADER' | 'TEXT' | 'MIME' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT';
  /** Header names for HEADER.FIELDS(.NOT) as sent: the response echoes them (RFC 3501 §7.4.2). */
  fields?: string[];
}
export interface PartialRange {
  start: number;
  length: number;
}
export type SimpleFetchItem =
  | 'FLAGS'
  | 'INTERNALDATE'
  | 'RFC822'
  | 'RFC822.SIZE'
  | 'RFC822.HEADER'
  | 'RFC822.TEXT'
  | 'ENVELOPE'
  | 'BODY'
  | 'BODYSTRUCTURE'
  | 'UID'
  | 'MODSEQ';
export type FetchItem =
  | { kind: SimpleFetchItem }
  /** BODY[section]<partial>; `peek` for BODY.PEEK (does not set \Seen). */
  | { kind: 'BODY[]'; peek: boolean; section: Section; partial?: PartialRange }
  /** RFC 3516 BINARY[part]<partial> (BINARY.PEEK does not set \Seen) and BINARY.SIZE[part]. */
  | { kind: 'BINARY[]'; peek: boolean; part: number[]; partial?: PartialRange }
  | { kind: 'BINARY.SIZE'; part: number[] };

const SIMPLE_ITEMS = new Set<string>([
  'FLAGS',
  'INTERNALDATE',
  'RFC822',
  'RFC822.SIZE',
  'RFC822.HEADER',
  'RFC822.TEXT',
  'ENVELOPE',
  'BODY',
  'BODYSTRUCTURE',
  'UID',
  'MODSEQ',
]);

const MACROS: Record<string, SimpleFetchItem[]> = {
  ALL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
  FAST: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
  FULL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'],
};

/** The section text inside `[...]`: `1.2.HEADER.FIELDS (FROM "TO")`, `TEXT`, `3.MIME`, ``. */
export function parseSection(text: string): Section {
  const m = /^((?:[1-9]\d{0,8})(?:\.[1-9]\d{0,8})*)?(?:(?:^|\.)([A-Za-z.]+))?(?: \((.*)\))?$/.exec(text);
  if (!m) throw new ProtocolError('Invalid section');
  const parts = m[1] ? m[1].split('.').map(Number) : [];
  const kindText = m[2]?.toUpperCase();
  const section: Section = { parts };
  if (kindText === undefined) {
    if (m[3] !== undefined) throw new ProtocolError('Invalid section');
    return section;
  }
  if (!['HEADER', 'TEXT', 'MIME', 'HEADER.FIELDS', 'HEADER.FIELDS.NOT'].includes(kindText)) {
    throw new ProtocolError('Invalid section');
  }
  section.kind = kindText as Section['kind'];
  // RFC 3501 §6.4.5: MIME only for a part.
  if (kindText === 'MIME' && parts.length === 0) throw new ProtocolError('MIME needs a part number');
  const wantsFields = kindText.startsWith('HEADER.FIELDS');
  if (wantsFields !== (m[3] !== undefined)) throw new ProtocolError('Invalid section');
  if (wantsFields) section.fields = parseHeaderList(m[3]!);
  return section;
}

/** header-list = "(" header-fld-name *(SP header-fld-name) ")"; names are astrings. */
function parseHeaderList(text: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\["\\])*)"|([!#$&'*+,\-./0-9:;<=>?@A-Z^_`a-z|~\]]+)/y;
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) throw new ProtocolError('Invalid header list');
    const name = m[1] !== undefined ? m[1].replace(/\\(["\\])/g, '$1') : m[2]!;
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) throw new ProtocolError('Invalid header name');
    out.push(name);
    pos = re.lastIndex;
    if (pos < text.length) {
      if (text[pos] !== ' ') throw new ProtocolError('Invalid header list');
      pos++;
      if (pos === text.length) throw new ProtocolError('Invalid header list');
    }
  }
  if (out.length === 0) throw new ProtocolError('Empty header list');
  return out;
}

/** `<start.length>` (RFC 3501 §6.4.5; a length of 0 is refused as nz-number requires). */
export function parsePartial(text: string): PartialRange {
  const m = /^<(\d{1,10})\.(\d{1,10})>$/.exec(text);
  if (!m) throw new ProtocolError('Invalid partial');
  return { start: parseNumber(m[1]!), length: parseNumber(m[2]!, true) };
}

function fetchItem(tok: Token): FetchItem {
  if (tok.kind !== 'atom') throw new ProtocolError('Invalid fetch item');
  if (!tok.bracket) {
    const name = tok.value.toUpperCase();
    if (!SIMPLE_ITEMS.has(name)) throw new ProtocolError(`Unknown fetch item: ${tok.value.slice(0, 40)}`);
    return { kind: name as SimpleFetchItem };
  }
  return bodySection(tok);
}

function bodySection(tok: AtomToken): FetchItem {
  const { base, section, after } = tok.bracket!;
  const b = base.toUpperCase();
  if (b === 'BINARY' || b === 'BINARY.PEEK' || b === 'BINARY.SIZE') return binarySection(b, section, after);
  if (b !== 'BODY' && b !== 'BODY.PEEK') throw new ProtocolError(`Unknown fetch item: ${base.slice(0, 40)}`);
  const item: FetchItem = { kind: 'BODY[]', peek: b === 'BODY.PEEK', section: parseSection(section) };
  if (after !== '') item.partial = parsePartial(after);
  return item;
}

/** RFC 3516 §6: section-binary = "[" [section-part] "]"; BINARY.SIZE takes no partial. */
function binarySection(base: string, section: string, after: string): FetchItem {
  if (!/^(?:[1-9]\d{0,8}(?:\.[1-9]\d{0,8})*)?$/.test(section))
    throw new ProtocolError('Invalid binary section');
  const part = section === '' ? [] : section.split('.').map(Number);
  if (base === 'BINARY.SIZE') {
    if (after !== '') throw new ProtocolError('BINARY.SIZE takes no partial');
    return { kind: 'BINARY.SIZE', part };
  }
  const item: FetchItem = { kind: 'BINARY[]', peek: base === 'BINARY.PEEK', part };
  if (after !== '') item.partial = parsePartial(after);
  return item;
}

/** The fetch attribute argument: a macro, one item, or a list of items. */
export function parseFetchItems(tok: Token | undefined): FetchItem[] {
  if (!tok) throw new ProtocolError('Missing fetch items');
  if (tok.kind === 'atom' && !tok.bracket) {
    const macro = MACROS[tok.value.toUpperCase()];
    if (macro) return macro.map((kind) => ({ kind }));
  }
  if (tok.kind === 'list') {
    if (tok.items.length === 0) throw new ProtocolError('Empty fetch item list');
    return tok.items.map(fetchItem);
  }
  return [fetchItem(tok)];
}

export interface FetchArgs {
  set: SequenceSet;
  items: FetchItem[];
}

/** FETCH sequence-set items; UID FETCH always returns UID (RFC 3501 §6.4.8). */
export function parseFetchArgs(args: readonly Token[], uid: boolean): FetchArgs {
  const set = sequenceSet(args[0]);
  const items = parseFetchItems(args[1]);
  expectEnd(args, 2);
  if (uid && !items.some((i) => i.kind === 'UID')) items.unshift({ kind: 'UID' });
  return { set, items };
}

/** The name a FETCH response uses for a section item: `BODY[1.HEADER.FIELDS (FROM)]<0>`
 * (RFC 3501 §7.4.2: the origin octet only, no length). */
export function sectionResponseName(item: Extract<FetchItem, { kind: 'BODY[]' }>): string {
  const s = item.section;
  let text = s.parts.join('.');
  if (s.kind) text += (text ? '.' : '') + s.kind;
  if (s.fields) text += ` (${s.fields.join(' ')})`;
  return `BODY[${text}]` + (item.partial ? `<${item.partial.start}>` : '');
}

// ---- SEARCH (RFC 3501 §6.4.4, RFC 9051 §6.4.4) ----

export type SearchKey =
  | { type: 'all' }
  /** A flag is set (value true) or not; NEW is and(\Recent, not \Seen), OLD is not \Recent. */
  | { type: 'flag'; flag: string; value: boolean }
  /** BCC CC FROM SUBJECT TO: the store matches these on their decoded values. */
  | { type: 'field'; field: 'bcc' | 'cc' | 'from' | 'subject' | 'to'; value: string }
  /** HEADER field-name string: `field` lower-case. */
  | { type: 'header'; field: string; value: string }
  | { type: 'body'; value: string }
  | { type: 'text'; value: string }
  /** BEFORE ON SINCE (internal date) and SENTBEFORE SENTON SENTSINCE (Date: header). */
  | { type: 'date'; field: 'internal' | 'sent'; op: 'before' | 'on' | 'since'; date: ImapDate }
  | { type: 'size'; op: 'larger' | 'smaller'; value: number }
  /** OLDER / YOUNGER n (RFC 5032 §3): the internal date against now, in seconds. */
  | { type: 'within'; op: 'older' | 'younger'; seconds: number }
  | { type: 'uid'; set: SequenceSet }
  | { type: 'seq'; set: SequenceSet }
  /** MODSEQ n (RFC 7162 §3.1.5): changed at or after the wire value n. */
  | { type: 'modseq'; value: number }
  | { type: 'not'; key: SearchKey }
  | { type: 'or'; left: SearchKey; right: SearchKey }
  | { type: 'and'; keys: SearchKey[] };

export interface SearchArgs {
  /** From `CHARSET x`, upper-cased; the session answers NO [BADCHARSET] if it is not supported. */
  charset?: string;
  key: SearchKey;
}

const FLAG_KEYS: Record<string, [string, boolean]> = {
  ANSWERED: ['\\Answered', true],
  DELETED: ['\\Deleted', true],
  DRAFT: ['\\Draft', true],
  FLAGGED: ['\\Flagged', true],
  SEEN: ['\\Seen', true],
  RECENT: ['\\Recent', true],
  OLD: ['\\Recent', false],
  UNANSWERED: ['\\Answered', false],
  UNDELETED: ['\\Deleted', false],
  UNDRAFT: ['\\Draft', false],
  UNFLAGGED: ['\\Flagged', false],
  UNSEEN: ['\\Seen', false],
};
const FIELD_KEYS = new Set(['BCC', 'CC', 'FROM', 'SUBJECT', 'TO']);
type FieldName = Extract<SearchKey, { type: 'field' }>['field'];
const DATE_KEYS: Record<string, ['internal' | 'sent', 'before' | 'on' | 'since']> = {
  BEFORE: ['internal', 'before'],
  ON: ['internal', 'on'],
  SINCE: ['internal', 'since'],
  SENTBEFORE: ['sent', 'before'],
  SENTON: ['sent', 'on'],
  SENTSINCE: ['sent', 'since'],
};

/** SEARCH [CHARSET x] keys… into one tree; several keys at one level are an `and`. */
export function parseSearch(args: readonly Token[], maxDepth = IMAP_MAX_DEPTH): SearchArgs {
  let i = 0;
  let charset: string | undefined;
  const first = args[0];
  if (first && first.kind === 'atom' && first.value.toUpperCase() === 'CHARSET') {
    charset = astring(args[1], 'charset').toUpperCase();
    i = 2;
  }
  const keys: SearchKey[] = [];
  const cursor = { tokens: args, i, maxDepth };
  while (cursor.i < args.length) keys.push(searchKey(cursor, 0));
  if (keys.length === 0) throw new ProtocolError('Missing search key');
  const key = keys.length === 1 ? keys[0]! : { type: 'and' as const, keys };
  return charset === undefined ? { key } : { charset, key };
}

interface Cursor {
  tokens: readonly Token[];
  i: number;
  maxDepth: number;
}

function searchKey(c: Cursor, depth: number): SearchKey {
  // NOT and OR nest without parentheses; bound them like lists.
  if (depth > c.maxDepth) throw new ProtocolError('Search keys nested too deeply');
  const tok = c.tokens[c.i++];
  if (!tok) throw new ProtocolError('Missing search key');
  if (tok.kind === 'list') {
    if (tok.items.length === 0) throw new ProtocolError('Empty search key list');
    const inner: Cursor = { tokens: tok.items, i: 0, maxDepth: c.maxDepth };
    const keys: SearchKey[] = [];
    while (inner.i < tok.items.length) keys.push(searchKey(inner, depth + 1));
    return keys.length === 1 ? keys[0]! : { type: 'and', keys };
  }
  if (tok.kind !== 'atom' || tok.bracket) throw new ProtocolError('Invalid search key');
  const name = tok.value.toUpperCase();
  const str = (): string => astring(c.tokens[c.i++], `${name} argument`);
  const flag = FLAG_KEYS[name];
  if (flag) return { type: 'flag', flag: flag[0], value: flag[1] };
  if (FIELD_KEYS.has(name)) return { type: 'field', field: name.toLowerCase() as FieldName, value: str() };
  const date = DATE_KEYS[name];
  if (date) {
    return { type: 'date', field: date[0], op: date[1], date: parseDate(str()) };
  }
  switch (name) {
    case 'ALL':
      return { type: 'all' };
    case 'NEW':
      return {
        type: 'and',
        keys: [
          { type: 'flag', flag: '\\Recent', value: true },
          { type: 'flag', flag: '\\Seen', value: false },
        ],
      };
    case 'BODY':
      return { type: 'body', value: str() };
    case 'TEXT':
      return { type: 'text', value: str() };
    case 'HEADER': {
      const field = str().toLowerCase();
      return { type: 'header', field, value: str() };
    }
    case 'KEYWORD':
    case 'UNKEYWORD': {
      const kw = parseFlag(atom(c.tokens[c.i++], 'keyword'));
      return { type: 'flag', flag: kw, value: name === 'KEYWORD' };
    }
    case 'LARGER':
    case 'SMALLER':
      return {
        type: 'size',
        op: name === 'LARGER' ? 'larger' : 'smaller',
        value: parseNumber(atom(c.tokens[c.i++], 'size')),
      };
    case 'OLDER':
    case 'YOUNGER':
      return {
        type: 'within',
        op: name === 'OLDER' ? 'older' : 'younger',
        seconds: parseNumber(atom(c.tokens[c.i++], 'interval'), true),
      };
    case 'UID':
      return { type: 'uid', set: sequenceSet(c.tokens[c.i++]) };
    case 'MODSEQ':
      return modseqKey(c);
    case 'NOT':
      return { type: 'not', key: searchKey(c, depth + 1) };
    case 'OR': {
      const left = searchKey(c, depth + 1);
      return { type: 'or', left, right: searchKey(c, depth + 1) };
    }
  }
  if (/^[\d*$]/.test(name)) return { type: 'seq', set: parseSequenceSet(tok.value) };
  throw new ProtocolError(`Unknown search key: ${tok.value.slice(0, 40)}`);
}

/** RFC 7162 §3.1.5: MODSEQ [entry-name entry-type-req] mod-sequence-valzer. The entry (a flag's
 * metadata) only narrows which change counted; every change gives a message a new MODSEQ here, so
 * it is checked and then not needed. */
function modseqKey(c: Cursor): SearchKey {
  const next = c.tokens[c.i];
  if (next?.kind === 'quoted') {
    if (!/^\/flags\/\\?[^\s"%*()\]{}]+$/i.test(next.value))
      throw new ProtocolError('Invalid MODSEQ entry name');
    c.i++;
    const type = atom(c.tokens[c.i++], 'MODSEQ entry type').toLowerCase();
    if (!['priv', 'shared', 'all'].includes(type)) throw new ProtocolError('Invalid MODSEQ entry type');
  }
  const text = atom(c.tokens[c.i++], 'MODSEQ value');
  if (!/^\d{1,16}$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new ProtocolError(`Invalid mod-sequence value: ${text.slice(0, 24)}`);
  }
  return { type: 'modseq', value: Number(text) };
}

// ---- STATUS (RFC 3501 §6.3.10, RFC 9051 §6.3.11) ----

export type StatusItem =
  'MESSAGES' | 'RECENT' | 'UIDNEXT' | 'UIDVALIDITY' | 'UNSEEN' | 'DELETED' | 'SIZE' | 'HIGHESTMODSEQ';
const STATUS_ITEMS = new Set<string>([
  'MESSAGES',
  'RECENT',
  'UIDNEXT',
  'UIDVALIDITY',
  'UNSEEN',
  'DELETED',
  'SIZE',
  'HIGHESTMODSEQ',
]);

/** `(MESSAGES UNSEEN …)`: at least one item, upper-cased, duplicates removed. */
export function parseStatusItems(tok: Token | undefined): StatusItem[] {
  if (tok?.kind !== 'list' || tok.items.length === 0) throw new ProtocolError('Invalid status item list');
  const out = new Set<StatusItem>();
  for (const t of tok.items) {
    const name = atom(t, 'status item').toUpperCase();
    if (!STATUS_ITEMS.has(name)) throw new ProtocolError(`Unknown status item: ${name.slice(0, 40)}`);
    out.add(name as StatusItem);
  }
  return [...out];
}

// ---- APPEND (RFC 3501 §6.3.11, RFC 3502 MULTIAPPEND, RFC 4469 CATENATE) ----

/** RFC 4469 §5 cat-part: literal text, or an IMAP URL naming a message or a part of one. */
export type CatPart = { kind: 'text'; data: Buffer } | { kind: 'url'; url: string };

export interface AppendMessage {
  flags: string[];
  date?: ImapDateTime;
  /** The message literal, or the parts CATENATE builds it from. */
  data: Buffer | CatPart[];
}

export interface AppendArgs {
  mailbox: string;
  /** One or more (RFC 3502 §6: append = "APPEND" SP mailbox 1*append-message). */
  messages: AppendMessage[];
}

/** `CATENATE (TEXT literal / URL astring …)` (RFC 4469 §5), at most `maxParts` parts. */
function catenateParts(tok: Token | undefined, maxParts: number): CatPart[] {
  if (tok?.kind !== 'list' || tok.items.length === 0)
    throw new ProtocolError('CATENATE needs a list of parts');
  const parts: CatPart[] = [];
  const items = tok.items;
  for (let i = 0; i < items.length; i += 2) {
    if (parts.length >= maxParts) throw new ProtocolError(`More than ${maxParts} CATENATE parts`);
    const kind = atom(items[i], 'CATENATE part').toUpperCase();
    const value = items[i + 1];
    if (kind === 'TEXT') {
      if (value?.kind !== 'literal') throw new ProtocolError('TEXT needs a literal');
      parts.push({ kind: 'text', data: value.value });
    } else if (kind === 'URL') {
      parts.push({ kind: 'url', url: astring(value, 'URL') });
    } else throw new ProtocolError(`Unknown CATENATE part: ${kind.slice(0, 40)}`);
  }
  return parts;
}

/** APPEND mailbox 1*([SP flag-list] [SP date-time] SP (literal / CATENATE (…))); at most
 * `limits.messages` messages of at most `limits.parts` CATENATE parts each. */
export function parseAppendArgs(
  args: readonly Token[],
  limits: { messages: number; parts: number } = { messages: Infinity, parts: Infinity },
): AppendArgs {
  const mailbox = mailboxName(args[0]);
  const messages: AppendMessage[] = [];
  let i = 1;
  do {
    if (messages.length >= limits.messages)
      throw new ProtocolError(`More than ${limits.messages} messages in one APPEND`);
    let flags: string[] = [];
    const maybeFlags = args[i];
    if (maybeFlags?.kind === 'list') {
      flags = parseFlagList([maybeFlags]);
      i++;
    }
    let date: ImapDateTime | undefined;
    const maybeDate = args[i];
    if (maybeDate?.kind === 'quoted') {
      date = parseDateTime(maybeDate.value);
      i++;
    }
    const next = args[i];
    let data: Buffer | CatPart[];
    if (next?.kind === 'literal') {
      data = next.value;
      i++;
    } else if (next?.kind === 'atom' && next.value.toUpperCase() === 'CATENATE') {
      data = catenateParts(args[i + 1], limits.parts);
      i += 2;
    } else throw new ProtocolError('Missing message literal');
    const m: AppendMessage = { flags, data };
    if (date) m.date = date;
    messages.push(m);
  } while (i < args.length);
  return { mailbox, messages };
}
