// CHECK (RFC 3501 §6.4.1): every write is already durable, so it is a NOOP that reads the journal.
import { SELECTED, ok, type CommandSpec } from '../command.ts';
import { expectEnd } from '../protocol/parse.ts';

export const check: CommandSpec = {
  name: 'CHECK',
  states: SELECTED,
  sync: 'all',
  forceSync: true,
  async run({ args }) {
    expectEnd(args, 0);
    return ok('CHECK completed');
  },
};
