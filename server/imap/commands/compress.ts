// COMPRESS (RFC 4978 §3): only DEFLATE; once on, NO [COMPRESSIONACTIVE].
import { AUTHENTICATED, bad, no, ok, type CommandSpec } from '../command.ts';
import { atom, expectEnd } from '../protocol/parse.ts';

export const compress: CommandSpec = {
  name: 'COMPRESS',
  states: AUTHENTICATED,
  sync: 'none',
  async run({ session, args }) {
    const algorithm = atom(args[0], 'compression algorithm').toUpperCase();
    expectEnd(args, 1);
    if (algorithm !== 'DEFLATE') return bad(`Unknown compression algorithm: ${algorithm.slice(0, 40)}`);
    if (session.compressed) return no('Compression is already active', 'COMPRESSIONACTIVE');
    session.startCompression();
    return ok('DEFLATE active');
  },
};
