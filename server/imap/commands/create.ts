// CREATE (RFC 3501 §6.3.3): missing parents are created too; a trailing delimiter is dropped.
import { AUTHENTICATED, no, ok, type CommandSpec } from '../command.ts';
import { readMailbox } from '../mailbox-names.ts';
import { expectEnd } from '../protocol/parse.ts';

export const create: CommandSpec = {
  name: 'CREATE',
  states: AUTHENTICATED,
  sync: 'all',
  async run({ session, args }) {
    const path = readMailbox(args[0]);
    expectEnd(args, 1);
    if (path === 'INBOX') return no('INBOX always exists', 'ALREADYEXISTS');
    // subscribing is the client's own choice (RFC 3501 §6.3.6): CREATE does not subscribe
    await session.store.mailboxes.create(session.userId, path, { subscribed: false });
    return ok('CREATE completed');
  },
};
