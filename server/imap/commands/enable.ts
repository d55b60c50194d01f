// ENABLE (RFC 5161): none of the extensions that need enabling (CONDSTORE, QRESYNC, UTF8=ACCEPT)
// are offered, so the ENABLED response lists nothing; unknown names are ignored as the RFC says.
import { AUTHENTICATED, ok, type CommandSpec } from '../command.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { atom } from '../protocol/parse.ts';

export const enable: CommandSpec = {
  name: 'ENABLE',
  states: AUTHENTICATED,
  sync: 'all',
  async run({ session, args }) {
    if (args.length === 0) throw new ProtocolError('Missing capability');
    for (const a of args) atom(a, 'capability');
    session.out.untagged('ENABLED');
    return ok('ENABLE completed');
  },
};
