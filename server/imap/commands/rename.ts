// RENAME (RFC 3501 §6.3.5): children follow; renaming INBOX moves its messages and leaves it empty.
import { AUTHENTICATED, no, ok, type CommandSpec } from '../command.ts';
import { readMailbox } from '../mailbox-names.ts';
import { expectEnd } from '../protocol/parse.ts';

export const rename: CommandSpec = {
  name: 'RENAME',
  states: AUTHENTICATED,
  sync: 'all',
  async run({ session, args }) {
    const from = readMailbox(args[0], 'existing mailbox name');
    // a trailing delimiter is a declaration only in CREATE (RFC 3501 §6.3.3); here it is an empty level
    const to = readMailbox(args[1], 'new mailbox name', 'keep');
    expectEnd(args, 2);
    const { mailboxes } = session.store;
    if (!(await mailboxes.get(session.userId, from))) return no('No such mailbox', 'NONEXISTENT');
    if (to === 'INBOX' || (await mailboxes.get(session.userId, to))) {
      return no('Target mailbox already exists', 'ALREADYEXISTS');
    }
    await mailboxes.rename(session.userId, from, to);
    return ok('RENAME completed');
  },
};
