// ENABLE (RFC 5161): CONDSTORE and QRESYNC (RFC 7162 §3.1, §3.2.3) can be enabled; ENABLED lists
// those this command turned on. Unknown names are ignored, as the RFC says.
import { AUTHENTICATED, ok, type CommandSpec } from '../command.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { atom } from '../protocol/parse.ts';

export const enable: CommandSpec = {
  name: 'ENABLE',
  states: AUTHENTICATED,
  sync: 'all',
  async run({ session, args }) {
    if (args.length === 0) throw new ProtocolError('Missing capability');
    const names = args.map((a) => atom(a, 'capability').toUpperCase());
    const enabled: string[] = [];
    for (const name of names) {
      if (name === 'CONDSTORE' && !session.condstore) {
        session.enableCondstore();
        enabled.push(name);
      } else if (name === 'QRESYNC' && !session.qresync) {
        session.enableQresync();
        enabled.push(name);
      }
    }
    session.out.untagged(enabled.length ? `ENABLED ${enabled.join(' ')}` : 'ENABLED');
    return ok('ENABLE completed');
  },
};
