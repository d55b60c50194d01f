// APPEND (RFC 3501 §6.3.11): flags, internal date, the message literal byte for byte; APPENDUID
// (RFC 4315 §3); TRYCREATE for a missing mailbox; TOOBIG is decided before the literal is read.
import { AUTHENTICATED, no, ok, type CommandSpec } from '../command.ts';
import { parseFlags } from '../flags.ts';
import { readMailbox } from '../mailbox-names.ts';
import { storeErrorReply } from '../store-errors.ts';
import { parseDateTime } from '../wire/datetime.ts';
import { ParseError } from '../wire/tokens.ts';

export const append: CommandSpec = {
  name: 'APPEND',
  states: AUTHENTICATED,
  sync: 'all',
  async run({ session, args }) {
    const path = readMailbox(args);
    let flags: string[] = [];
    let idate: Date | undefined;
    if (args.peek()?.t === 'list') flags = parseFlags(args.list('flags'));
    const maybeDate = args.peek();
    const rest = args.rest();
    if (rest.length === 2) {
      if (maybeDate?.t !== 'string' || maybeDate.literal) throw new ParseError('bad APPEND date-time');
      idate = parseDateTime(maybeDate.v.toString('latin1'));
    } else if (rest.length !== 1) {
      throw new ParseError('APPEND needs one message literal');
    }
    const msg = rest[rest.length - 1]!;
    if (msg.t !== 'string') throw new ParseError('APPEND message must be a literal');
    if (msg.v.length > session.ctx.config.maxMessageSize) return no('Message too big', 'TOOBIG');
    const { store } = session;
    const box = await store.mailboxes.get(session.userId, path);
    if (!box) return no('No such mailbox', 'TRYCREATE');
    try {
      const res = await store.messages.add({
        user: session.userId,
        mailbox: box.id,
        raw: msg.v,
        flags,
        ...(idate ? { idate } : {}),
      });
      // the selected mailbox learns of the message from the journal, before the tagged reply
      if (session.selected?.id === box.id) session.selected.dirty = true;
      return ok('APPEND completed', `APPENDUID ${res.uidValidity} ${res.uid}`);
    } catch (err) {
      const r = storeErrorReply(err, { missingTarget: true });
      if (r) return r;
      throw err;
    }
  },
};
