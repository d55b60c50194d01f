// UNSELECT (RFC 3691): leaves the mailbox without expunging.
import { SELECTED, ok, type CommandSpec } from '../command.ts';

export const unselect: CommandSpec = {
  name: 'UNSELECT',
  states: SELECTED,
  sync: 'none',
  async run({ session, args }) {
    args.end();
    session.deselect();
    return ok('UNSELECT completed');
  },
};
