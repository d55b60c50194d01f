// UNSUBSCRIBE (RFC 3501 §6.3.7).
import { AUTHENTICATED, ok, type CommandSpec } from '../command.ts';
import { readMailbox } from '../mailbox-names.ts';

export const unsubscribe: CommandSpec = {
  name: 'UNSUBSCRIBE',
  states: AUTHENTICATED,
  sync: 'all',
  async run({ session, args }) {
    const path = readMailbox(args);
    args.end();
    await session.store.mailboxes.setSubscribed(session.userId, path, false);
    return ok('UNSUBSCRIBE completed');
  },
};
