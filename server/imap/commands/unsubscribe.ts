// UNSUBSCRIBE (RFC 3501 §6.3.7).
import { AUTHENTICATED, ok, type CommandSpec } from '../command.ts';
import { readMailbox } from '../mailbox-names.ts';
import { expectEnd } from '../protocol/parse.ts';

export const unsubscribe: CommandSpec = {
  name: 'UNSUBSCRIBE',
  states: AUTHENTICATED,
  sync: 'all',
  async run({ session, args }) {
    const path = readMailbox(args[0]);
    expectEnd(args, 1);
    await session.store.mailboxes.setSubscribed(session.userId, path, false);
    return ok('UNSUBSCRIBE completed');
  },
};
