// CREATE (RFC 3501 §6.3.3): missing parents are created too; a trailing delimiter is dropped.
// CREATE-SPECIAL-USE (RFC 6154 §3): `CREATE name (USE (\Archive))` gives the new mailbox its use.
import type { SpecialUse } from '../../store/index.ts';
import { AUTHENTICATED, no, ok, type CommandSpec } from '../command.ts';
import { readMailbox } from '../mailbox-names.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { atom, expectEnd } from '../protocol/parse.ts';
import type { Token } from '../protocol/reader.ts';

/** The uses a mailbox can be created with (RFC 6154 §2); \All and \Flagged are views we do not
 * keep, and INBOX is not created. */
const USES = new Map<string, SpecialUse>(
  (['\\Archive', '\\Drafts', '\\Junk', '\\Sent', '\\Trash'] as const).map((u) => [u.toUpperCase(), u]),
);

/** RFC 4466 §2.2 create-params: only USE (RFC 6154 §6); the uses asked for, as sent. */
function readUses(tok: Token | undefined): string[] {
  if (tok?.kind !== 'list' || tok.items.length === 0) throw new ProtocolError('Invalid CREATE parameters');
  const uses: string[] = [];
  for (let i = 0; i < tok.items.length; i += 2) {
    const name = atom(tok.items[i], 'CREATE parameter').toUpperCase();
    if (name !== 'USE') throw new ProtocolError(`Unknown CREATE parameter: ${name.slice(0, 40)}`);
    const list = tok.items[i + 1];
    if (list?.kind !== 'list') throw new ProtocolError('USE needs a list of attributes');
    for (const t of list.items) {
      const use = atom(t, 'special-use attribute');
      if (!use.startsWith('\\') || use.length < 2)
        throw new ProtocolError(`Invalid special-use attribute: ${use.slice(0, 40)}`);
      uses.push(use);
    }
  }
  return uses;
}

export const create: CommandSpec = {
  name: 'CREATE',
  states: AUTHENTICATED,
  sync: 'all',
  async run({ session, args }) {
    const path = readMailbox(args[0]);
    const uses = args.length > 1 ? readUses(args[1]) : [];
    expectEnd(args, 2);
    if (path === 'INBOX') return no('INBOX always exists', 'ALREADYEXISTS');
    let specialUse: SpecialUse | undefined;
    if (uses.length > 1) return no('A mailbox has at most one special use here', 'USEATTR');
    if (uses.length === 1) {
      // RFC 6154 §3: NO [USEATTR] for a use the server cannot give the mailbox
      specialUse = USES.get(uses[0]!.toUpperCase());
      if (!specialUse) return no(`Special use ${uses[0]} is not supported`, 'USEATTR');
      if (await session.store.mailboxes.getBySpecialUse(session.userId, specialUse))
        return no(`Another mailbox already has the use ${specialUse}`, 'USEATTR');
    }
    // subscribing is the client's own choice (RFC 3501 §6.3.6): CREATE does not subscribe
    await session.store.mailboxes.create(session.userId, path, {
      subscribed: false,
      ...(specialUse ? { specialUse } : {}),
    });
    return ok('CREATE completed');
  },
};
