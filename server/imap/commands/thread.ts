// THREAD and UID THREAD (RFC 5256 §3): ORDEREDSUBJECT and REFERENCES over the matching messages.
import { SELECTED, no, ok, type CommandSpec } from '../command.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { astring, atom, parseSearch } from '../protocol/parse.ts';
import { CHARSETS, findMatches } from '../search-run.ts';
import { loadSources } from '../sort/fetch-items.ts';
import { formatThreads, orderedSubject, references, type ThreadMessage } from '../sort/thread.ts';

export const THREAD_ALGORITHMS = ['ORDEREDSUBJECT', 'REFERENCES'];

export const thread: CommandSpec = {
  name: 'THREAD',
  states: SELECTED,
  sync: 'no-expunge',
  uidSync: 'all',
  async run({ session, args, uid }) {
    const box = session.selected!;
    const algorithm = atom(args[0], 'threading algorithm').toUpperCase();
    if (!THREAD_ALGORITHMS.includes(algorithm)) {
      throw new ProtocolError(`Unknown threading algorithm: ${algorithm.slice(0, 40)}`);
    }
    // RFC 5256 §3: the charset is required
    const charset = astring(args[1], 'charset').toUpperCase();
    const req = parseSearch(args.slice(2));
    if (!CHARSETS.includes(charset)) {
      return no('Unsupported charset', { code: 'BADCHARSET', charsets: CHARSETS });
    }
    const uids = await findMatches(session, req.key);
    const fields = algorithm === 'REFERENCES' ? (['subject', 'msgid'] as const) : (['subject'] as const);
    const sources = await loadSources(session, uids, fields);
    const messages: ThreadMessage[] = sources.map((s) => ({
      id: uid ? s.uid : box.seqOf(s.uid),
      date: s.hdate,
      subject: s.doc?.subject ?? '',
      messageId: s.doc?.msgid ?? null,
      inReplyTo: s.doc?.inReplyTo ?? null,
      references: s.doc?.references ?? [],
    }));
    const threads = algorithm === 'REFERENCES' ? references(messages) : orderedSubject(messages);
    session.out.untagged(threads.length ? `THREAD ${formatThreads(threads)}` : 'THREAD');
    return ok(`${uid ? 'UID ' : ''}THREAD completed`);
  },
};
