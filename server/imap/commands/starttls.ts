// STARTTLS (RFC 3501 §6.2.1): TLS begins right after the tagged OK; what the client pipelined
// behind the command is discarded; the client must ask for CAPABILITY again.
import { NOT_AUTHENTICATED, bad, ok, type CommandSpec } from '../command.ts';
import { expectEnd } from '../protocol/parse.ts';

export const starttls: CommandSpec = {
  name: 'STARTTLS',
  states: NOT_AUTHENTICATED,
  sync: 'none',
  async run({ session, args }) {
    expectEnd(args, 0);
    if (session.tls) return bad('TLS is already active');
    session.afterReply = () => session.startTls();
    return ok('Begin TLS negotiation now');
  },
};
