// APPEND (RFC 3501 §6.3.11) of one message or several (MULTIAPPEND, RFC 3502), each a literal or
// built by CATENATE (RFC 4469): flags, internal date, the message byte for byte; APPENDUID with
// every new UID (RFC 4315 §3); TRYCREATE for a missing mailbox; TOOBIG is decided before a
// literal is read.
import { IMAP_MAX_APPEND_MESSAGES, IMAP_MAX_CATENATE_PARTS } from '../../limits.ts';
import type { AddMessageResult } from '../../store/index.ts';
import { catenate } from '../catenate.ts';
import { AUTHENTICATED, no, ok, type CommandSpec, type Reply } from '../command.ts';
import { normalizePath } from '../mailbox-names.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { parseAppendArgs, type AppendMessage } from '../protocol/parse.ts';
import type { Session } from '../session.ts';
import { storeErrorReply } from '../store-errors.ts';

export const append: CommandSpec = {
  name: 'APPEND',
  states: AUTHENTICATED,
  sync: 'all',
  async run({ session, args }) {
    const req = parseAppendArgs(args, { messages: IMAP_MAX_APPEND_MESSAGES, parts: IMAP_MAX_CATENATE_PARTS });
    const path = normalizePath(req.mailbox);
    if (path === '') throw new ProtocolError('Empty mailbox name');
    const max = session.ctx.config.maxMessageSize;
    const what = req.messages.length > 1 ? 'Messages together larger' : 'Message larger';
    const tooBig = no(`${what} than the APPENDLIMIT of ${max} bytes`, 'TOOBIG');
    let total = 0;
    for (const m of req.messages) if (Buffer.isBuffer(m.data)) total += m.data.length;
    if (total > max) return tooBig;
    const { store } = session;
    const box = await store.mailboxes.idOf(session.userId, path);
    if (!box) return no('No such mailbox', 'TRYCREATE');
    // every message is whole before the first is stored: a bad URL stores nothing
    const raws: Buffer[] = [];
    for (const m of req.messages) {
      if (Buffer.isBuffer(m.data)) {
        raws.push(m.data);
        continue;
      }
      const built = await catenate(session, m.data, max - total);
      if (!Buffer.isBuffer(built)) return built.code === 'TOOBIG' ? tooBig : built;
      total += built.length;
      raws.push(built);
    }
    return addAll(session, box, req.messages, raws);
  },
};

/** Stores the messages in order; when one fails (over quota, say), those already stored are
 * expunged again, so the command leaves nothing behind (RFC 3502 §3). There are no transactions
 * (docs/ARCHITECTURE.md §3): another session may see them come and go. */
async function addAll(
  session: Session,
  mailbox: string,
  messages: readonly AppendMessage[],
  raws: readonly Buffer[],
): Promise<Reply> {
  const { store } = session;
  const added: AddMessageResult[] = [];
  try {
    for (const [i, m] of messages.entries()) {
      added.push(
        await store.messages.add({
          user: session.userId,
          mailbox,
          raw: raws[i]!,
          flags: m.flags,
          ...(m.date ? { idate: m.date.date } : {}),
        }),
      );
    }
  } catch (err) {
    if (added.length > 0) {
      await store.messages.expunge({
        user: session.userId,
        mailbox,
        uids: added.map((a) => a.uid),
        requireDeleted: false,
      });
    }
    const r = storeErrorReply(err, { missingTarget: true });
    if (r) return r;
    throw err;
  } finally {
    // the selected mailbox learns of the messages from the journal, before the tagged reply
    if (session.selected?.id === mailbox) session.selected.dirty = true;
  }
  // best effort and off the reply's path: this process's later reads of the counts come after
  // them on the same Redis connection
  for (let i = 0; i < added.length; i++) void store.deliveries.count('imap');
  const uidValidity = added[0]!.uidValidity;
  return ok('APPEND completed', { code: 'APPENDUID', uidValidity, uids: added.map((a) => a.uid) });
}
