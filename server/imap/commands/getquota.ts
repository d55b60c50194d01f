// GETQUOTA (RFC 9208 §4.1.1): the limits and usage of a quota root; the user's only root is "".
import { AUTHENTICATED, no, ok, type CommandSpec } from '../command.ts';
import { astring, expectEnd } from '../protocol/parse.ts';
import { quotaResponse } from '../quota.ts';

export const getquota: CommandSpec = {
  name: 'GETQUOTA',
  states: AUTHENTICATED,
  sync: 'all',
  async run({ session, args }) {
    const root = astring(args[0], 'quota root');
    expectEnd(args, 1);
    const quota = root === '' ? await quotaResponse(session) : null;
    if (!quota) return no('No such quota root', 'NONEXISTENT');
    session.out.untagged(quota);
    return ok('GETQUOTA completed');
  },
};
