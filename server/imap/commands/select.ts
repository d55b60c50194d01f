// SELECT (RFC 3501 §6.3.1), with (CONDSTORE) or (QRESYNC …) (RFC 7162 §3.1.8, §3.2.5).
import { AUTHENTICATED, type CommandSpec } from '../command.ts';
import { readMailbox } from '../mailbox-names.ts';
import { expectEnd } from '../protocol/parse.ts';
import { openMailbox } from '../open-mailbox.ts';
import { parseSelectParams } from '../condstore-args.ts';

export const select: CommandSpec = {
  name: 'SELECT',
  states: AUTHENTICATED,
  // the responses describe the new mailbox; nothing from the old one may follow them
  sync: 'none',
  async run({ session, args }) {
    const path = readMailbox(args[0]);
    const params = parseSelectParams(args[1]);
    expectEnd(args, 2);
    return openMailbox(session, path, false, params);
  },
};
