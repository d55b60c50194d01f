// SEARCH (RFC 3501 §6.4.4) and UID SEARCH: CHARSET UTF-8 / US-ASCII, results as message numbers or
// UIDs in the session's view; RETURN (…) answers with ESEARCH (RFC 4731) and SAVE keeps the
// result for `$` (RFC 5182); RETURN (UPDATE) keeps it live as a search context (RFC 5267 §4.3).
import { SELECTED, no, ok, type CommandSpec, type Reply } from '../command.ts';
import { asksToSave, esearchResponse, parseReturn, savedPart } from '../search-return.ts';
import { CHARSETS, findMatches } from '../search-run.ts';
import { parseSearch } from '../protocol/parse.ts';
import { usesModseq } from '../search-query.ts';
import { wireModseq } from '../modseq.ts';
import { SearchContext } from '../search-context.ts';
import { MAX_SEARCH_CONTEXTS } from '../limits.ts';

export const search: CommandSpec = {
  name: 'SEARCH',
  states: SELECTED,
  // RFC 3501 §7.4.1: no EXPUNGE while answering SEARCH; UID SEARCH may have them
  sync: 'no-expunge',
  uidSync: 'all',
  async run({ session, args, uid, tag }) {
    const box = session.selected!;
    // RFC 5182 §2.1: a SEARCH with SAVE that fails leaves the saved result empty
    const saving = asksToSave(args);
    let reply: Reply | undefined;
    try {
      const ret = parseReturn(args);
      const req = parseSearch(args.slice(ret.used));
      // RFC 3501 §6.4.4: an unsupported charset is a NO with the supported ones
      if (req.charset !== undefined && !CHARSETS.includes(req.charset)) {
        return (reply = no('Unsupported charset', { code: 'BADCHARSET', charsets: CHARSETS }));
      }
      const o = ret.options;
      let uids: number[];
      let refused = false;
      if (o?.update && box.contexts.size >= MAX_SEARCH_CONTEXTS && !box.contexts.has(tag)) {
        // RFC 5267 §4.3: answered, but not kept up to date
        refused = true;
        uids = await findMatches(session, req.key);
      } else if (o?.update) {
        const context = new SearchContext(tag, uid, req.key);
        const deps = session.syncDeps();
        uids = await context.start(box, deps.search);
        box.contexts.set(tag, context);
      } else {
        uids = await findMatches(session, req.key);
      }
      const ids = uid ? uids : uids.map((u) => box.seqOf(u));
      // RFC 7162 §3.1: SEARCH MODSEQ enables CONDSTORE, and the reply carries the highest MODSEQ
      const withModseq = usesModseq(req.key);
      if (withModseq) session.enableCondstore();
      const view = withModseq ? await session.store.messages.view(session.userId, box.id) : null;
      const modseqs = view ? uids.map((u) => wireModseq(view.get(u)?.modseq ?? 0)) : undefined;
      if (!o) {
        let highest = 0;
        for (const m of modseqs ?? []) highest = Math.max(highest, m);
        // RFC 7162 §3.1.5: "(MODSEQ n)" after the numbers, none when nothing matched
        const suffix = highest > 0 ? ` (MODSEQ ${highest})` : '';
        session.out.untagged(ids.length ? `SEARCH ${ids.join(' ')}${suffix}` : 'SEARCH');
      } else {
        if (o.save) box.saved = savedPart(uids, o);
        const line = esearchResponse(tag, uid, ids, o, false, modseqs);
        if (line) session.out.untagged(line);
      }
      const done = `${uid ? 'UID ' : ''}SEARCH completed`;
      return (reply = refused
        ? ok(`${done}; too many live searches, this one is not kept up to date`, { code: 'NOUPDATE', tag })
        : ok(done));
    } finally {
      if (saving && reply?.status !== 'OK') box.saved = [];
    }
  },
};
