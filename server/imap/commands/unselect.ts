// UNSELECT (RFC 3691): leaves the mailbox without expunging.
import { SELECTED, ok, type CommandSpec } from '../command.ts';
import { expectEnd } from '../protocol/parse.ts';

export const unselect: CommandSpec = {
  name: 'UNSELECT',
  states: SELECTED,
  sync: 'none',
  async run({ session, args }) {
    expectEnd(args, 0);
    session.deselect();
    return ok('UNSELECT completed');
  },
};
