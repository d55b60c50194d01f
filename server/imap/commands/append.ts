// APPEND (RFC 3501 §6.3.11): flags, internal date, the message literal byte for byte; APPENDUID
// (RFC 4315 §3); TRYCREATE for a missing mailbox; TOOBIG is decided before the literal is read.
import { AUTHENTICATED, no, ok, type CommandSpec } from '../command.ts';
import { normalizePath } from '../mailbox-names.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { parseAppendArgs } from '../protocol/parse.ts';
import { storeErrorReply } from '../store-errors.ts';

export const append: CommandSpec = {
  name: 'APPEND',
  states: AUTHENTICATED,
  sync: 'all',
  async run({ session, args }) {
    const req = parseAppendArgs(args);
    const path = normalizePath(req.mailbox);
    if (path === '') throw new ProtocolError('Empty mailbox name');
    if (req.message.length > session.ctx.config.maxMessageSize) return no('Message too big', 'TOOBIG');
    const { store } = session;
    const box = await store.mailboxes.get(session.userId, path);
    if (!box) return no('No such mailbox', 'TRYCREATE');
    try {
      const res = await store.messages.add({
        user: session.userId,
        mailbox: box.id,
        raw: req.message,
        flags: req.flags,
        ...(req.date ? { idate: req.date.date } : {}),
      });
      await store.deliveries.count('imap');
      // the selected mailbox learns of the message from the journal, before the tagged reply
      if (session.selected?.id === box.id) session.selected.dirty = true;
      return ok('APPEND completed', { code: 'APPENDUID', uidValidity: res.uidValidity, uids: [res.uid] });
    } catch (err) {
      const r = storeErrorReply(err, { missingTarget: true });
      if (r) return r;
      throw err;
    }
  },
};
