// NAMESPACE (RFC 2342): one personal namespace, no prefix, `/` as delimiter.
import { DELIMITER } from '../../store/index.ts';
import { AUTHENTICATED, ok, type CommandSpec } from '../command.ts';
import { expectEnd } from '../protocol/parse.ts';

export const namespace: CommandSpec = {
  name: 'NAMESPACE',
  states: AUTHENTICATED,
  sync: 'all',
  async run({ session, args }) {
    expectEnd(args, 0);
    session.out.untagged(`NAMESPACE (("" "${DELIMITER}")) NIL NIL`);
    return ok('NAMESPACE completed');
  },
};
