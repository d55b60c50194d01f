// ENABLE (RFC 5161): none of the extensions that need enabling (CONDSTORE, QRESYNC, UTF8=ACCEPT)
// are offered, so the ENABLED response lists nothing; unknown names are ignored as the RFC says.
import { AUTHENTICATED, ok, type CommandSpec } from '../command.ts';
import { ParseError } from '../wire/tokens.ts';

export const enable: CommandSpec = {
  name: 'ENABLE',
  states: AUTHENTICATED,
  sync: 'all',
  async run({ session, args }) {
    if (args.done) throw new ParseError('ENABLE needs at least one capability');
    while (!args.done) args.atom('capability');
    session.out.untagged('ENABLED');
    return ok('ENABLE completed');
  },
};
