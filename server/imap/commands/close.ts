// CLOSE (RFC 3501 §6.4.2): expunges silently (no EXPUNGE responses) unless read-only, then deselects.
import { SELECTED, ok, type CommandSpec } from '../command.ts';
import { expectEnd } from '../protocol/parse.ts';

export const close: CommandSpec = {
  name: 'CLOSE',
  states: SELECTED,
  sync: 'none',
  async run({ session, args }) {
    expectEnd(args, 0);
    const box = session.selected!;
    session.deselect();
    if (!box.readOnly) await session.store.messages.expunge({ user: session.userId, mailbox: box.id });
    return ok('CLOSE completed');
  },
};
