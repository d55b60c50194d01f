// SORT and UID SORT (RFC 5256 §3) with the keys of RFC 5256 and RFC 5957 (DISPLAYFROM, DISPLAYTO);
// SORT RETURN (…) answers with ESEARCH (RFC 5267 §3, ESORT).
import { SELECTED, no, ok, type CommandCall, type CommandSpec, type Reply } from '../command.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { astring, atom, parseSearch } from '../protocol/parse.ts';
import type { Token } from '../protocol/reader.ts';
import { asksToSave, esearchResponse, parseReturn, savedPart } from '../search-return.ts';
import { CHARSETS, findMatches } from '../search-run.ts';
import { loadSources } from '../sort/fetch-items.ts';
import { SORT_KEYS, needsDocument, sortIds, type SortCriterion, type SortKey } from '../sort/order.ts';

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

async function runSort({ session, args, uid, tag }: CommandCall): Promise<Reply> {
  const box = session.selected!;
  const ret = parseReturn(args);
  // CONTEXT=SORT (RFC 5267 §4.1) is not offered: a sorted result is not kept up to date
  if (ret.options?.update) throw new ProtocolError('UPDATE is not supported with SORT');
  const criteria = parseSortCriteria(args[ret.used]);
  // RFC 5256 §3: the charset is required
  const charset = astring(args[ret.used + 1], 'charset').toUpperCase();
  const req = parseSearch(args.slice(ret.used + 2));
  if (!CHARSETS.includes(charset)) {
    return no('Unsupported charset', { code: 'BADCHARSET', charsets: CHARSETS });
  }
  const uids = await findMatches(session, req.key);
  const sources = await loadSources(session, uids, needsDocument(criteria) ? ['subject', 'addresses'] : []);
  const items = sources.map((s) => ({
    id: s.uid,
    arrival: s.idate,
    date: s.hdate,
    size: s.size,
    ...(s.doc?.subject !== undefined ? { subject: s.doc.subject } : {}),
    ...(s.doc?.from ? { from: s.doc.from } : {}),
    ...(s.doc?.to ? { to: s.doc.to } : {}),
    ...(s.doc?.cc ? { cc: s.doc.cc } : {}),
  }));
  // UIDs ascend as message numbers do, so sorting by UID gives the same order
  const sorted = sortIds(items, criteria);
  const ids = uid ? sorted : sorted.map((u) => box.seqOf(u));
  const o = ret.options;
  if (!o) {
    session.out.untagged(ids.length ? `SORT ${ids.join(' ')}` : 'SORT');
  } else {
    if (o.save) box.saved = savedPart(sorted, o).sort((a, b) => a - b);
    const line = esearchResponse(tag, uid, ids, o, true);
    if (line) session.out.untagged(line);
  }
  return ok(`${uid ? 'UID ' : ''}SORT completed`);
}
