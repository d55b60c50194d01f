// ID (RFC 2971): the client's identification is logged; ours is returned.
import { ANY, ok, type CommandSpec } from '../command.ts';
import { ParseError } from '../wire/tokens.ts';
import { str } from '../format.ts';

export const id: CommandSpec = {
  name: 'ID',
  states: ANY,
  sync: 'all',
  async run({ session, args }) {
    const t = args.next('ID parameters');
    const client: Record<string, string | null> = {};
    if (t.t === 'list') {
      // RFC 2971 §3.3: field/value pairs, at most 30
      if (t.v.length % 2 !== 0 || t.v.length > 60) throw new ParseError('ID needs field/value pairs');
      for (let i = 0; i < t.v.length; i += 2) {
        const k = t.v[i]!;
        const v = t.v[i + 1]!;
        if (k.t !== 'string') throw new ParseError('ID field names are strings');
        if (v.t === 'string')
          client[k.v.toString('utf8').slice(0, 1024)] = v.v.toString('utf8').slice(0, 1024);
        else if (v.t === 'atom' && v.v.toUpperCase() === 'NIL')
          client[k.v.toString('utf8').slice(0, 1024)] = null;
        else throw new ParseError('ID values are strings or NIL');
      }
    } else if (!(t.t === 'atom' && t.v.toUpperCase() === 'NIL')) {
      throw new ParseError('ID needs a list or NIL');
    }
    args.end();
    session.log.debug({ session: session.id, client }, 'imap client id');
    session.out.untagged(`ID (${str('name')} ${str('Nestbox')} ${str('vendor')} ${str('Nestbox')})`);
    return ok('ID completed');
  },
};
