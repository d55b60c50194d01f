// CHECK (RFC 3501 §6.4.1): every write is already durable, so it is a NOOP that reads the journal.
import { SELECTED, ok, type CommandSpec } from '../command.ts';

export const check: CommandSpec = {
  name: 'CHECK',
  states: SELECTED,
  sync: 'all',
  forceSync: true,
  async run({ args }) {
    args.end();
    return ok('CHECK completed');
  },
};
