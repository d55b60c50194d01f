// SORT and UID SORT (RFC 5256 §3) with the keys of RFC 5256 and RFC 5957 (DISPLAYFROM, DISPLAYTO);
// SORT RETURN (…) answers with ESEARCH (RFC 5267 §3, ESORT); RETURN (UPDATE) keeps the sorted
// result live (RFC 5267 §4.3, CONTEXT=SORT).
import { SELECTED, no, ok, type CommandCall, type CommandSpec, type Reply } from '../command.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { astring, atom, parseSearch } from '../protocol/parse.ts';
import type { Token } from '../protocol/reader.ts';
import { asksToSave, esearchResponse, parseReturn, savedPart } from '../search-return.ts';
import { CHARSETS, findMatches } from '../search-run.ts';
import { loadSources } from '../sort/fetch-items.ts';
import {
  SORT_KEYS,
  needsDocument,
  sortIds,
  type SortCriterion,
  type SortItem,
  type SortKey,
} from '../sort/order.ts';
import { SearchContext } from '../search-context.ts';
import { MAX_SEARCH_CONTEXTS } from '../limits.ts';
import type { Session } from '../session.ts';

/** `(REVERSE ARRIVAL SUBJECT)`: RFC 5256 §3 sort-criteria, REVERSE only before a key. */
export function parseSortCriteria(tok: Token | undefined): SortCriterion[] {
  if (tok?.kind !== 'list' || tok.items.length === 0) throw new ProtocolError('Missing sort criteria');
  const out: SortCriterion[] = [];
  let reverse = false;
  for (const t of tok.items) {
    const name = atom(t, 'sort key').toUpperCase();
    if (name === 'REVERSE') {
      if (reverse) throw new ProtocolError('REVERSE twice');
      reverse = true;
      continue;
    }
    if (!SORT_KEYS.includes(name as SortKey))
      throw new ProtocolError(`Unknown sort key: ${name.slice(0, 40)}`);
    out.push({ key: name as SortKey, reverse });
    reverse = false;
  }
  if (reverse) throw new ProtocolError('REVERSE needs a sort key after it');
  return out;
}

export const sort: CommandSpec = {
  name: 'SORT',
  states: SELECTED,
  // like SEARCH (RFC 5256 §3 has SORT answer as SEARCH does)
  sync: 'no-expunge',
  uidSync: 'all',
  async run(call) {
    // as with SEARCH (RFC 5182 §2.1), a SORT with SAVE that fails leaves the saved result empty
    const saving = asksToSave(call.args);
    let reply: Reply | undefined;
    try {
      return (reply = await runSort(call));
    } finally {
      if (saving && reply?.status !== 'OK') call.session.selected!.saved = [];
    }
  },
};

/** What the criteria order by, for each of `uids` still in the mailbox. */
export async function sortItems(
  session: Session,
  uids: readonly number[],
  criteria: readonly SortCriterion[],
): Promise<SortItem[]> {
  const sources = await loadSources(session, uids, needsDocument(criteria) ? ['subject', 'addresses'] : []);
  return sources.map((s) => ({
    id: s.uid,
    arrival: s.idate,
    date: s.hdate,
    size: s.size,
    ...(s.doc?.subject !== undefined ? { subject: s.doc.subject } : {}),
    ...(s.doc?.from ? { from: s.doc.from } : {}),
    ...(s.doc?.to ? { to: s.doc.to } : {}),
    ...(s.doc?.cc ? { cc: s.doc.cc } : {}),
  }));
}

async function runSort({ session, args, uid, tag }: CommandCall): Promise<Reply> {
  const box = session.selected!;
  const ret = parseReturn(args);
  const criteria = parseSortCriteria(args[ret.used]);
  // RFC 5256 §3: the charset is required
  const charset = astring(args[ret.used + 1], 'charset').toUpperCase();
  const req = parseSearch(args.slice(ret.used + 2));
  if (!CHARSETS.includes(charset)) {
    return no('Unsupported charset', { code: 'BADCHARSET', charsets: CHARSETS });
  }
  const o = ret.options;
  let sorted: number[];
  let refused = false;
  if (o?.update && box.contexts.size >= MAX_SEARCH_CONTEXTS && !box.contexts.has(tag)) {
    // RFC 5267 §4.3: answered, but not kept up to date
    refused = true;
    sorted = sortIds(await sortItems(session, await findMatches(session, req.key), criteria), criteria);
  } else if (o?.update) {
    const context = new SearchContext(tag, uid, req.key, {
      criteria,
      load: (uids) => sortItems(session, uids, criteria),
    });
    sorted = await context.start(box, session.syncDeps().search);
    box.contexts.set(tag, context);
  } else {
    // UIDs ascend as message numbers do, so sorting by UID gives the same order
    sorted = sortIds(await sortItems(session, await findMatches(session, req.key), criteria), criteria);
  }
  const ids = uid ? sorted : sorted.map((u) => box.seqOf(u));
  if (!o) {
    session.out.untagged(ids.length ? `SORT ${ids.join(' ')}` : 'SORT');
  } else {
    if (o.save) box.saved = savedPart(sorted, o).sort((a, b) => a - b);
    const line = esearchResponse(tag, uid, ids, o, true);
    if (line) session.out.untagged(line);
  }
  const done = `${uid ? 'UID ' : ''}SORT completed`;
  return refused
    ? ok(`${done}; too many live searches, this one is not kept up to date`, { code: 'NOUPDATE', tag })
    : ok(done);
}
