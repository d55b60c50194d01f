// NOOP (RFC 3501 §6.1.2): the way clients poll for news, so the journal is always read.
import { ANY, ok, type CommandSpec } from '../command.ts';
import { expectEnd } from '../protocol/parse.ts';

export const noop: CommandSpec = {
  name: 'NOOP',
  states: ANY,
  sync: 'all',
  forceSync: true,
  async run({ args }) {
    expectEnd(args, 0);
    return ok('NOOP completed');
  },
};
