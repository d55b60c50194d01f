// EXAMINE (RFC 3501 §6.3.2): SELECT read-only; no \Seen changes, no \Recent claimed.
import { AUTHENTICATED, type CommandSpec } from '../command.ts';
import { readMailbox } from '../mailbox-names.ts';
import { expectEnd } from '../protocol/parse.ts';
import { openMailbox } from '../open-mailbox.ts';
import { parseSelectParams } from '../condstore-args.ts';

export const examine: CommandSpec = {
  name: 'EXAMINE',
  states: AUTHENTICATED,
  sync: 'none',
  async run({ session, args }) {
    const path = readMailbox(args[0]);
    const params = parseSelectParams(args[1]);
    expectEnd(args, 2);
    return openMailbox(session, path, true, params);
  },
};
