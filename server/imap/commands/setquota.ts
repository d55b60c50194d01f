// SETQUOTA (RFC 9208 §4.1.3): checked, then refused: a user's limits (STORAGE and MESSAGE alike)
// are set by the administrator (HTTP API), never by the user over IMAP.
import { AUTHENTICATED, no, type CommandSpec } from '../command.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { astring, atom, expectEnd } from '../protocol/parse.ts';

export const setquota: CommandSpec = {
  name: 'SETQUOTA',
  states: AUTHENTICATED,
  sync: 'all',
  async run({ args }) {
    astring(args[0], 'quota root');
    const list = args[1];
    if (list?.kind !== 'list' || list.items.length % 2 !== 0) throw new ProtocolError('Invalid quota list');
    // setquota-resource = resource-name SP resource-limit
    for (let i = 0; i < list.items.length; i += 2) {
      atom(list.items[i], 'resource name');
      // RFC 9208 §7: resource-limit = number64
      if (!/^\d{1,19}$/.test(atom(list.items[i + 1], 'resource limit')))
        throw new ProtocolError('Invalid resource limit');
    }
    expectEnd(args, 2);
    return no('Quotas are set by the administrator', 'NOPERM');
  },
};
