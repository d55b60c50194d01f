// LOGIN (RFC 3501 §6.2.3): username or any of the user's addresses, account or application password.
import { NOT_AUTHENTICATED, type CommandSpec } from '../command.ts';
import { loginWith, plaintextRefused } from '../auth.ts';
import { astring, expectEnd } from '../protocol/parse.ts';

export const login: CommandSpec = {
  name: 'LOGIN',
  states: NOT_AUTHENTICATED,
  sync: 'none',
  async run({ session, args }) {
    const user = astring(args[0], 'user name');
    const password = astring(args[1], 'password');
    expectEnd(args, 2);
    if (!session.plaintextAllowed) return plaintextRefused();
    return loginWith(session, user, password);
  },
};
