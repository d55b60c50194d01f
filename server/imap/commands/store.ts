// STORE (RFC 3501 §6.4.6) and UID STORE: FLAGS / +FLAGS / -FLAGS, .SILENT. The session reports its
// own changes here and marks their MODSEQs so the journal does not report them again.
import type { FlagAction } from '../../store/index.ts';
import { SELECTED, no, ok, type CommandSpec } from '../command.ts';
import { flagList } from '../format.ts';
import { parseFlags } from '../flags.ts';
import { parseSequenceSet } from '../wire/sequence.ts';
import { ParseError } from '../wire/tokens.ts';

const ITEM = /^([+-]?)FLAGS(\.SILENT)?$/i;

export const store: CommandSpec = {
  name: 'STORE',
  states: SELECTED,
  // RFC 3501 §7.4.1: no EXPUNGE while answering STORE; UID STORE may have them
  sync: 'no-expunge',
  uidSync: 'all',
  async run({ session, args, uid }) {
    const set = parseSequenceSet(args.atom('sequence set'));
    const m = ITEM.exec(args.atom('store item'));
    if (!m) throw new ParseError('STORE item must be FLAGS, +FLAGS or -FLAGS (optionally .SILENT)');
    const rest = args.rest();
    const flags = parseFlags(rest.length === 1 && rest[0]!.t === 'list' ? rest[0]!.v : rest);
    const box = session.selected!;
    if (box.readOnly) return no('Mailbox is read-only', 'READ-ONLY');
    const uids = uid ? box.uidRanges(set) : box.seqToUids(set);
    const action: FlagAction = m[1] === '+' ? 'add' : m[1] === '-' ? 'remove' : 'set';
    const { messages } = session.store;
    const res = await messages.updateFlags({ user: session.userId, mailbox: box.id, uids, action, flags });
    box.markOwn(res.updated.map((u) => u.modseq));
    if (!m[2]) {
      // RFC 3501 §6.4.6: the new flags of every message in the set
      for await (const v of messages.fetch(box.id, uids, ['flags'])) {
        const seq = box.seqOf(v.uid);
        if (!seq) continue;
        const fl = flagList(v.flags ?? [], box.recent.has(v.uid));
        session.out.untagged(`${seq} FETCH (${uid ? `UID ${v.uid} ` : ''}FLAGS ${fl})`);
        await session.out.maybeFlush();
      }
    }
    return ok(`${uid ? 'UID ' : ''}STORE completed`);
  },
};
