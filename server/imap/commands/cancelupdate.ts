// CANCELUPDATE (RFC 5267 §4.3): ends the live searches named by their tags.
import { SELECTED, no, ok, type CommandSpec } from '../command.ts';
import { ProtocolError } from '../protocol/errors.ts';

export const cancelupdate: CommandSpec = {
  name: 'CANCELUPDATE',
  states: SELECTED,
  sync: 'all',
  async run({ session, args }) {
    const box = session.selected!;
    // "CANCELUPDATE" 1*(SP quoted)
    if (!args.length) throw new ProtocolError('CANCELUPDATE needs the tag of a search');
    const tags = args.map((t) => {
      if (t.kind !== 'quoted') throw new ProtocolError('A search tag is a quoted string');
      return t.value;
    });
    const unknown = tags.find((t) => !box.contexts.has(t));
    if (unknown !== undefined) return no(`No live search has the tag "${unknown.slice(0, 40)}"`);
    for (const t of tags) box.contexts.delete(t);
    return ok('CANCELUPDATE completed');
  },
};
