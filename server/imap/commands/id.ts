// ID (RFC 2971): the client's identification is logged; ours is returned.
import { ANY, ok, type CommandSpec } from '../command.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { expectEnd } from '../protocol/parse.ts';
import type { Token } from '../protocol/reader.ts';
import { str } from '../format.ts';

/** A quoted string or literal (RFC 2971 §4: field names and values are strings). */
function text(t: Token): string | undefined {
  if (t.kind === 'quoted') return t.value.slice(0, 1024);
  if (t.kind === 'literal') return t.value.toString('utf8').slice(0, 1024);
  return undefined;
}

export const id: CommandSpec = {
  name: 'ID',
  states: ANY,
  sync: 'all',
  async run({ session, args }) {
    const t = args[0];
    const client: Record<string, string | null> = {};
    if (t?.kind === 'list') {
      // RFC 2971 §3.3: field/value pairs, at most 30
      if (t.items.length % 2 !== 0 || t.items.length > 60)
        throw new ProtocolError('ID needs field/value pairs');
      for (let i = 0; i < t.items.length; i += 2) {
        const k = text(t.items[i]!);
        const v = t.items[i + 1]!;
        if (k === undefined) throw new ProtocolError('ID field names are strings');
        const value = v.kind === 'nil' ? null : text(v);
        if (value === undefined) throw new ProtocolError('ID values are strings or NIL');
        client[k] = value;
      }
    } else if (t?.kind !== 'nil') {
      throw new ProtocolError('ID needs a list or NIL');
    }
    expectEnd(args, 1);
    session.log.debug({ session: session.id, client }, 'imap client id');
    session.out.untagged(`ID (${str('name')} ${str('Nestbox')} ${str('vendor')} ${str('Nestbox')})`);
    return ok('ID completed');
  },
};
