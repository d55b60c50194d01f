// LOGOUT (RFC 3501 §6.1.3): BYE, the tagged OK, then the connection closes.
import { ANY, ok, type CommandSpec } from '../command.ts';
import { expectEnd } from '../protocol/parse.ts';

export const logout: CommandSpec = {
  name: 'LOGOUT',
  states: ANY,
  sync: 'none',
  async run({ session, args }) {
    expectEnd(args, 0);
    session.out.untagged('BYE Nestbox logging out');
    session.state = 'logout';
    session.afterReply = () => session.end();
    return ok('LOGOUT completed');
  },
};
