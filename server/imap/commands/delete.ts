// DELETE (RFC 3501 §6.3.4): children stay (the name then lists as \Noselect while they exist).
import { AUTHENTICATED, no, ok, type CommandSpec } from '../command.ts';
import { readMailbox } from '../mailbox-names.ts';
import { expectEnd } from '../protocol/parse.ts';

export const del: CommandSpec = {
  name: 'DELETE',
  states: AUTHENTICATED,
  sync: 'all',
  async run({ session, args }) {
    const path = readMailbox(args[0]);
    expectEnd(args, 1);
    if (path === 'INBOX') return no('INBOX cannot be deleted', 'CANNOT');
    const box = await session.store.mailboxes.get(session.userId, path);
    if (!box) return no('No such mailbox', 'NONEXISTENT');
    // deleting the selected mailbox leaves nothing selected
    if (session.selected?.id === box.id) session.deselect();
    await session.store.mailboxes.delete(session.userId, path);
    return ok('DELETE completed');
  },
};
