// CAPABILITY (RFC 3501 §6.1.1, RFC 9051 §6.1.1).
import { ANY, ok, type CommandSpec } from '../command.ts';
import { expectEnd } from '../protocol/parse.ts';

export const capability: CommandSpec = {
  name: 'CAPABILITY',
  states: ANY,
  sync: 'all',
  async run({ session, args }) {
    expectEnd(args, 0);
    session.out.untagged(`CAPABILITY ${session.capabilities().join(' ')}`);
    return ok('CAPABILITY completed');
  },
};
