// LIST (RFC 3501 §6.3.8, RFC 3348 CHILDREN, RFC 6154 SPECIAL-USE attributes).
import { DELIMITER } from '../../store/index.ts';
import { AUTHENTICATED, ok, type CommandSpec } from '../command.ts';
import { mailboxName } from '../format.ts';
import { astring, expectEnd } from '../protocol/parse.ts';
import { listEntries, matcher } from '../mailbox-list.ts';

export const list: CommandSpec = {
  name: 'LIST',
  states: AUTHENTICATED,
  sync: 'all',
  async run({ session, args }) {
    const reference = astring(args[0], 'reference');
    const pattern = astring(args[1], 'mailbox pattern');
    expectEnd(args, 2);
    if (pattern === '') {
      // RFC 3501 §6.3.8: an empty pattern asks for the delimiter and the root of the reference
      session.out.untagged(`LIST (\\Noselect) "${DELIMITER}" ""`);
      return ok('LIST completed');
    }
    const boxes = await session.store.mailboxes.list(session.userId);
    for (const e of listEntries(boxes, matcher(reference, pattern))) {
      session.out.untagged(`LIST (${e.attributes.join(' ')}) "${DELIMITER}" ${mailboxName(e.path)}`);
    }
    return ok('LIST completed');
  },
};
