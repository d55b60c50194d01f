// LSUB (RFC 3501 §6.3.9).
import { DELIMITER } from '../../store/index.ts';
import { AUTHENTICATED, ok, type CommandSpec } from '../command.ts';
import { mailboxName } from '../format.ts';
import { astring, expectEnd } from '../protocol/parse.ts';
import { lsubEntries, matcher } from '../mailbox-list.ts';

export const lsub: CommandSpec = {
  name: 'LSUB',
  states: AUTHENTICATED,
  sync: 'all',
  async run({ session, args }) {
    const reference = astring(args[0], 'reference');
    const pattern = astring(args[1], 'mailbox pattern');
    expectEnd(args, 2);
    if (pattern !== '') {
      const boxes = await session.store.mailboxes.list(session.userId);
      for (const e of lsubEntries(boxes, matcher(reference, pattern), pattern.endsWith('%'))) {
        session.out.untagged(`LSUB (${e.attributes.join(' ')}) "${DELIMITER}" ${mailboxName(e.path)}`);
      }
    }
    return ok('LSUB completed');
  },
};
