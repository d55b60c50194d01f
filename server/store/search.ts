// SEARCH: cheap criteria become a MongoDB pre-filter (a superset of the answer, using the flag
// booleans and (mailbox, uid) indexes); the whole query is then evaluated in Node on a projection.
// Substring matching happens here rather than in the database because FerretDB has no $text and
// no $elemMatch, and case-folding must match for any Unicode text.
import type { Filter, ObjectId } from 'mongodb';
import type { MailboxView, SearchKey } from './index.ts';
import type { Ctx } from './context.ts';
import type { AddressValue, MessageDoc } from './docs.ts';
import { listedIn, withIndexFlags } from './flags.ts';
import { uidFilter, uidMatcher } from './uidset.ts';
import { unpack, type Searchable } from './content.ts';
import { sentDay } from './mime.ts';
import type { IndexEntry } from './mailbox-index/entry.ts';
import {
  PACKED_SEARCH_FIELDS,
  PACK_SOURCE_PROJECTION,
  itemsOf,
  packCursor,
  pageOf,
  type PackSource,
} from './packs.ts';
import { readInMailbox } from './by-id.ts';
import { PackCollector } from './pack-collector.ts';
import { searchPartsOf, type SearchInput } from './content-cache.ts';

type Doc = Partial<MessageDoc> & Partial<Searchable> & { uid: number };

/** Pre-filter for a key, or null when it cannot be expressed (evaluated in Node only). */
function toFilter(key: SearchKey): Filter<MessageDoc> | null {
  switch (key.type) {
    case 'all':
      return {};
    case 'uid':
      return uidFilter<MessageDoc>(key.uids) ?? { uid: -1 };
    // flags and MODSEQs live in the mailbox index, not in the documents (flags.ts): in Node only
    case 'flag':
      return null;
    case 'idate':
    case 'hdate': {
      // hdate is the sent instant in UTC; the day compared is the one in the sender's zone, which
      // lies within SENT_ZONE_SLACK of it
      const slack = key.type === 'hdate' ? SENT_ZONE_SLACK : 0;
      const r: Record<string, Date> = {};
      if (key.gte) r.$gte = new Date(key.gte.getTime() - slack);
      if (key.lt) r.$lt = new Date(key.lt.getTime() + slack);
      return Object.keys(r).length ? ({ [key.type]: r } as Filter<MessageDoc>) : {};
    }
    case 'size': {
      const r: Record<string, number> = {};
      if (key.gt !== undefined) r.$gt = key.gt;
      if (key.lt !== undefined) r.$lt = key.lt;
      return Object.keys(r).length ? { size: r } : {};
    }
    case 'modseq':
      return null;
    case 'and': {
      const parts = key.keys.map(toFilter).filter((f): f is Filter<MessageDoc> => f !== null);
      return parts.length ? { $and: parts } : {};
    }
    default:
      return null;
  }
}

/** Fields the Node-side evaluation needs. */
function fieldsOf(key: SearchKey, out: Set<string>): void {
  switch (key.type) {
    case 'flag':
      out.add('flags');
      break;
    case 'hdate':
      out.add('hdate');
      out.add('headers');
      break;
    case 'idate':
    case 'size':
    case 'modseq':
      out.add(key.type);
      break;
    case 'header':
      out.add('headers');
      break;
    case 'from':
    case 'to':
    case 'cc':
    case 'bcc':
      out.add('headers');
      out.add(key.type);
      break;
    case 'subject':
      out.add('headers');
      out.add('subject');
      break;
    case 'body':
      out.add('text');
      break;
    case 'text':
      out.add('text');
      out.add('headers');
      out.add('subject');
      for (const f of ['from', 'to', 'cc', 'bcc', 'replyTo', 'sender']) out.add(f);
      break;
    case 'not':
      fieldsOf(key.key, out);
      break;
    case 'or':
    case 'and':
      for (const k of key.keys) fieldsOf(k, out);
      break;
    default:
      break;
  }
}

const lc = (s: string) => s.toLowerCase();

function headerHas(d: Doc, name: string, needle: string): boolean {
  const n = lc(name);
  return (d.headers ?? []).some((h) => lc(h.key) === n && (needle === '' || lc(h.value).includes(needle)));
}

function addrHas(list: AddressValue[] | undefined, needle: string): boolean {
  return (list ?? []).some((a) => lc(`${a.name} <${a.address}>`).includes(needle));
}

/** Zone offsets reach ±99:59 in the syntax (RFC 5322 §3.3), a little over four days. */
const SENT_ZONE_SLACK = 5 * 24 * 3600 * 1000;

/** RFC 3501 §6.4.4: the date of the Date: header in its own zone, as the UTC midnight starting it;
 * without a readable one, the UTC day of the stored date (the internal date then). */
function sentDayOf(d: Doc): number | undefined {
  const header = (d.headers ?? []).find((h) => lc(h.key) === 'date');
  const day = header ? sentDay(header.value) : null;
  if (day !== null) return day;
  const t = d.hdate?.getTime();
  return t === undefined ? undefined : t - (((t % DAY) + DAY) % DAY);
}

const DAY = 24 * 3600 * 1000;

type Matcher = (d: Doc) => boolean;

function compile(key: SearchKey): Matcher {
  switch (key.type) {
    case 'all':
      return () => true;
    case 'uid': {
      const m = uidMatcher(key.uids);
      return (d) => m(d.uid);
    }
    case 'flag': {
      const f = lc(key.flag);
      return (d) => (d.flags ?? []).some((x) => lc(x) === f) === key.set;
    }
    case 'idate':
    case 'hdate': {
      const { gte, lt } = key;
      const at = key.type === 'idate' ? (d: Doc) => d.idate?.getTime() : sentDayOf;
      return (d) => {
        const t = at(d);
        if (t === undefined) return false;
        return (!gte || t >= gte.getTime()) && (!lt || t < lt.getTime());
      };
    }
    case 'size': {
      const { gt, lt } = key;
      return (d) => (gt === undefined || (d.size ?? 0) > gt) && (lt === undefined || (d.size ?? 0) < lt);
    }
    case 'modseq':
      return (d) => (d.modseq ?? 0) >= key.gte;
    case 'header': {
      const needle = lc(key.value);
      return (d) => headerHas(d, key.name, needle);
    }
    case 'from':
    case 'to':
    case 'cc':
    case 'bcc': {
      const needle = lc(key.value);
      const field = key.type;
      return (d) => headerHas(d, field, needle) || addrHas(d[field], needle);
    }
    case 'subject': {
      const needle = lc(key.value);
      return (d) => headerHas(d, 'subject', needle) || lc(d.subject ?? '').includes(needle);
    }
    case 'body': {
      const needle = lc(key.value);
      return (d) => lc(d.text ?? '').includes(needle);
    }
    case 'text': {
      const needle = lc(key.value);
      return (d) =>
        lc(d.text ?? '').includes(needle) ||
        (d.headers ?? []).some((h) => lc(h.value).includes(needle)) ||
        lc(d.subject ?? '').includes(needle) ||
        (['from', 'to', 'cc', 'bcc', 'replyTo', 'sender'] as const).some((f) => addrHas(d[f], needle));
    }
    case 'not': {
      const m = compile(key.key);
      return (d) => !m(d);
    }
    case 'or': {
      const ms = key.keys.map(compile);
      return (d) => ms.some((m) => m(d));
    }
    case 'and': {
      const ms = key.keys.map(compile);
      return (d) => ms.every((m) => m(d));
    }
  }
}

/** A search document from an index entry, with the packed parts of its message when given. */
function fromIndex(e: IndexEntry, dates: boolean, item?: SearchInput): Doc {
  const d: Doc = { uid: e.uid, flags: e.flags as string[], size: e.size, modseq: e.modseq };
  if (dates) {
    d.idate = new Date(e.idate);
    d.hdate = new Date(e.hdate);
  }
  if (item) {
    const { headers, text } = unpack<Searchable>(item.searchable);
    Object.assign(d, { headers, text, subject: item.subject, from: item.from, to: item.to, cc: item.cc });
    Object.assign(d, { bcc: item.bcc, replyTo: item.replyTo, sender: item.sender });
  }
  return d;
}

/** Packed pages a search may leave to page queries before it scans the mailbox's messages. */
const SEARCH_UNPACKED_PAGES = 4;

/**
 * A search whose fields the mailbox index and the page packs hold (packs.ts): one pass over the
 * mailbox's packs, 32 messages per document, then one page query for each page not packed (the
 * open last page, usually), or, when more than a few are not, one pass over the mailbox's
 * messages that packs those pages for the next search; null when a field is not in the packs.
 */
async function searchPacked(
  ctx: Ctx,
  mailbox: ObjectId,
  query: SearchKey,
  fields: ReadonlySet<string>,
): Promise<number[] | null> {
  for (const f of fields) if (!INDEXED.has(f) && !PACKED_SEARCH_FIELDS.has(f)) return null;
  const state = await ctx.index.current(mailbox);
  if (!state) return [];
  const match = compile(query);
  const dates = fields.has('idate') || fields.has('hdate');
  const out: number[] = [];
  const left = new Set<number>();
  // what this process holds of the messages first (content-cache.ts), then packs and pages
  for (const e of state.entries) {
    const held = ctx.contents.get(e.id)?.search;
    if (!held) left.add(e.uid);
    else if (match(fromIndex(e, dates, held))) out.push(e.uid);
  }
  if (left.size === 0) return out;
  const packed = new Set<number>();
  const cursor = packCursor(ctx, mailbox);
  try {
    for await (const pack of cursor) {
      packed.add(pack.page);
      if (!pack.uids.some((u) => left.has(u))) continue;
      for (const item of itemsOf(pack)) {
        const i = state.indexOf(item.uid);
        if (i < 0 || !left.delete(item.uid)) continue;
        const e = state.entries[i]!;
        ctx.contents.put(e.id, item, item);
        if (match(fromIndex(e, dates, item))) out.push(item.uid);
      }
    }
  } finally {
    await cursor.close();
  }
  const consider = (m: PackSource & Partial<MessageDoc>) => {
    const i = state.indexOf(m.uid);
    if (i < 0 || !left.delete(m.uid)) return;
    if (m.content && m.size !== undefined) {
      const read = { content: m.content, size: m.size, attachmentRefs: m.attachmentRefs };
      ctx.contents.put(state.entries[i]!.id, read, searchPartsOf(m));
    }
    // the document in hand, with flags, sizes and dates from the index as for a packed one
    if (matches(match, { ...m, ...fromIndex(state.entries[i]!, dates) })) out.push(m.uid);
  };
  const pages = new Set([...left].map(pageOf));
  if (pages.size > SEARCH_UNPACKED_PAGES) {
    // many pages not packed: one pass over the mailbox, which also packs its closed pages for the
    // next search (pack-collector.ts)
    const collector = new PackCollector(ctx, mailbox, (p) => packed.has(p));
    const all = ctx.messages
      .find({ mailbox }, { projection: PACK_SOURCE_PROJECTION, promoteBuffers: true })
      .batchSize(128);
    try {
      for await (const m of all) {
        if (left.has(m.uid)) collector.add(m);
        consider(m);
      }
    } finally {
      await all.close();
    }
  } else {
    for (const page of pages) {
      const docs = await ctx.messages
        .find({ mailbox, page }, { projection: PACK_SOURCE_PROJECTION, promoteBuffers: true })
        .toArray();
      for (const m of docs) consider(m);
    }
  }
  // messages stored before pages existed: read each alone
  for (const uid of left) if (await matchOne(ctx, mailbox, uid, query)) out.push(uid);
  return out.sort((a, b) => a - b);
}

/** The query on one message read from its document. */
async function matchOne(ctx: Ctx, mailbox: ObjectId, uid: number, query: SearchKey): Promise<boolean> {
  return (await scan(ctx, mailbox, query, { uid })).length === 1;
}

export async function searchMailbox(ctx: Ctx, mailbox: ObjectId, query: SearchKey): Promise<number[]> {
  const fields = new Set<string>();
  fieldsOf(query, fields);
  return (await searchPacked(ctx, mailbox, query, fields)) ?? scan(ctx, mailbox, query);
}

/** The search over the mailbox's message documents (with `only`, over those it selects). */
async function scan(
  ctx: Ctx,
  mailbox: ObjectId,
  query: SearchKey,
  only?: Filter<MessageDoc>,
): Promise<number[]> {
  const match = compile(query);
  // a read of chosen messages stays top-level equalities, the filter FerretDB hands to its back end
  const pre = only ? null : toFilter(query);
  const base: Filter<MessageDoc> = only ? { mailbox, ...only } : { mailbox };
  const filter: Filter<MessageDoc> = pre && Object.keys(pre).length ? { $and: [base, pre] } : base;
  const out: number[] = [];
  const cursor = ctx.messages
    .find(filter, { projection: projectionOf(query) })
    .sort({ uid: 1 })
    .batchSize(200);
  // the index names the messages and gives their flags and MODSEQs, which documents do not keep
  const v = await ctx.index.current(mailbox);
  for await (const d of cursor) if (listedIn(d, v) && matches(match, withIndexFlags(d, v))) out.push(d.uid);
  return out;
}

/** What a search reads of each message document. */
function projectionOf(query: SearchKey): Record<string, 1 | 0> {
  const fields = new Set<string>();
  fieldsOf(query, fields);
  // the _id names the index entry whose flags and MODSEQ the document is read with
  const projection: Record<string, 1 | 0> = { uid: 1, _id: 1 };
  // header fields and text are packed together (content.ts)
  for (const f of fields) projection[f === 'headers' || f === 'text' ? 'searchable' : f] = 1;
  return projection;
}

function matches(match: Matcher, d: Partial<MessageDoc> & { uid: number }): boolean {
  const doc: Doc = d;
  if (d.searchable) {
    const { headers, text } = unpack<Searchable>(d.searchable);
    doc.headers = headers;
    doc.text = text;
  }
  return match(doc);
}

/** `searchMailbox` over the messages `ids` only (a few, named by the mailbox index): read one by
 * one by `_id`, the read FerretDB passes down (docs/ARCHITECTURE.md §3), rather than a query that
 * it would answer by decoding the whole collection. */
export async function searchIds(
  ctx: Ctx,
  mailbox: ObjectId,
  ids: readonly ObjectId[],
  query: SearchKey,
): Promise<number[]> {
  const match = compile(query);
  const projection = { ...projectionOf(query), _id: 1 as const };
  const docs = await readInMailbox<MessageDoc>(ctx, ids, mailbox, projection);
  const v = await ctx.index.current(mailbox);
  return docs.filter((d) => listedIn(d, v) && matches(match, withIndexFlags(d, v))).map((d) => d.uid);
}

/** Fields of a search the mailbox index holds (UID and ALL need none). */
const INDEXED = new Set(['flags', 'idate', 'hdate', 'size', 'modseq']);

/** True when the mailbox index alone answers `query` (flags, UIDs, sizes, dates, MODSEQ). */
export function indexOnly(query: SearchKey): boolean {
  const fields = new Set<string>();
  fieldsOf(query, fields);
  for (const f of fields) if (!INDEXED.has(f)) return false;
  return true;
}

/** Evaluates an `indexOnly` query on the mailbox index, with the same rules as on documents. */
export function searchIndex(v: MailboxView, query: SearchKey): number[] {
  const match = compile(query);
  const fields = new Set<string>();
  fieldsOf(query, fields);
  const dates = fields.has('idate') || fields.has('hdate');
  const out: number[] = [];
  for (const e of v.entries) if (match(fromIndex(e, dates))) out.push(e.uid);
  return out;
}
