// MOVE (RFC 6851) and UID MOVE: COPYUID in an untagged OK, then the EXPUNGEs, then the tagged OK.
import { SELECTED, no, ok, type CommandSpec } from '../command.ts';
import { readMailbox } from '../mailbox-names.ts';
import { storeErrorReply } from '../store-errors.ts';
import { formatSet, parseSequenceSet } from '../wire/sequence.ts';

export const move: CommandSpec = {
  name: 'MOVE',
  states: SELECTED,
  sync: 'all',
  uidSync: 'all',
  async run({ session, args, uid }) {
    const set = parseSequenceSet(args.atom('sequence set'));
    const path = readMailbox(args);
    args.end();
    const box = session.selected!;
    if (box.readOnly) return no('Mailbox is read-only', 'READ-ONLY');
    const uids = uid ? box.uidRanges(set) : box.seqToUids(set);
    const target = await session.store.mailboxes.get(session.userId, path);
    if (!target) return no('No such mailbox', 'TRYCREATE');
    if (target.id === box.id) return no('Source and target are the same mailbox', 'CANNOT');
    try {
      const res = await session.store.messages.move({
        user: session.userId,
        mailbox: box.id,
        uids,
        target: target.id,
      });
      if (res.map.length) {
        const src = formatSet(res.map.map((x) => x.source));
        const dst = formatSet(res.map.map((x) => x.target));
        // RFC 6851 §4.3: COPYUID goes in an untagged OK before the EXPUNGEs
        session.out.untagged(`OK [COPYUID ${res.uidValidity} ${src} ${dst}] Moved`);
      }
      box.removeOwn(res.expunged, session.out);
      return ok(`${uid ? 'UID ' : ''}MOVE completed`);
    } catch (err) {
      const r = storeErrorReply(err, { missingTarget: true });
      if (r) return r;
      throw err;
    }
  },
};
