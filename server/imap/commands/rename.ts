// RENAME (RFC 3501 §6.3.5): children follow; renaming INBOX moves its messages and leaves it empty.
import { AUTHENTICATED, no, ok, type CommandSpec } from '../command.ts';
import { readMailbox } from '../mailbox-names.ts';

export const rename: CommandSpec = {
  name: 'RENAME',
  states: AUTHENTICATED,
  sync: 'all',
  async run({ session, args }) {
    const from = readMailbox(args, 'existing mailbox name');
    const to = readMailbox(args, 'new mailbox name');
    args.end();
    const { mailboxes } = session.store;
    if (!(await mailboxes.get(session.userId, from))) return no('No such mailbox', 'NONEXISTENT');
    if (to === 'INBOX' || (await mailboxes.get(session.userId, to))) {
      return no('Target mailbox already exists', 'ALREADYEXISTS');
    }
    await mailboxes.rename(session.userId, from, to);
    return ok('RENAME completed');
  },
};
