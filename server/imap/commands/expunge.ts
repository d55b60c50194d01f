// EXPUNGE (RFC 3501 §6.4.3) and UID EXPUNGE (RFC 4315 §2.1): removes \Deleted messages and sends one
// EXPUNGE per message, each number counted after the ones before it (with QRESYNC: one VANISHED,
// and the new HIGHESTMODSEQ in the tagged OK).
import { SELECTED, no, ok, type CommandSpec } from '../command.ts';
import { expectEnd, sequenceSet } from '../protocol/parse.ts';
import { highestModseqCode } from '../qresync.ts';

export const expunge: CommandSpec = {
  name: 'EXPUNGE',
  states: SELECTED,
  sync: 'all',
  uidSync: 'all',
  async run({ session, args, uid }) {
    const box = session.selected!;
    const uids = uid ? box.uidRanges(sequenceSet(args[0])) : undefined;
    expectEnd(args, uid ? 1 : 0);
    if (box.readOnly) return no('Mailbox is read-only', 'READ-ONLY');
    const res = await session.store.messages.expunge({
      user: session.userId,
      mailbox: box.id,
      ...(uids ? { uids } : {}),
    });
    box.removeOwn(res.uids, session.out);
    return ok(`${uid ? 'UID ' : ''}EXPUNGE completed`, await highestModseqCode(session));
  },
};
