// SEARCH (RFC 3501 §6.4.4) and UID SEARCH: CHARSET UTF-8 / US-ASCII, results as message numbers or
// UIDs in the session's view.
import { SELECTED, no, ok, type CommandSpec } from '../command.ts';
import { parseSearch } from '../protocol/parse.ts';
import { toStoreKey, usesModseq } from '../search-query.ts';
import { wireModseq } from '../modseq.ts';

const CHARSETS = ['UTF-8', 'US-ASCII'];

export const search: CommandSpec = {
  name: 'SEARCH',
  states: SELECTED,
  // RFC 3501 §7.4.1: no EXPUNGE while answering SEARCH; UID SEARCH may have them
  sync: 'no-expunge',
  uidSync: 'all',
  async run({ session, args, uid }) {
    const box = session.selected!;
    const req = parseSearch(args);
    // RFC 3501 §6.4.4: an unsupported charset is a NO with the supported ones
    if (req.charset !== undefined && !CHARSETS.includes(req.charset)) {
      return no('Unsupported charset', { code: 'BADCHARSET', charsets: CHARSETS });
    }
    const withModseq = usesModseq(req.key);
    // RFC 7162 §3.1: SEARCH MODSEQ enables CONDSTORE
    if (withModseq) session.enableCondstore();
    const found = await session.store.messages.search(box.id, toStoreKey(req.key, box));
    const view = withModseq ? await session.store.messages.view(box.id) : null;
    const ids: number[] = [];
    let highest = -1;
    for (const u of found) {
      const seq = box.seqOf(u);
      if (seq) ids.push(uid ? u : seq);
      if (seq && view) highest = Math.max(highest, view.get(u)?.modseq ?? -1);
    }
    // RFC 7162 §3.1.5: with a MODSEQ key, the highest MODSEQ of the messages found
    const suffix = highest >= 0 ? ` (MODSEQ ${wireModseq(highest)})` : '';
    session.out.untagged(ids.length ? `SEARCH ${ids.join(' ')}${suffix}` : 'SEARCH');
    return ok(`${uid ? 'UID ' : ''}SEARCH completed`);
  },
};
