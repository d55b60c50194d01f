// COPY (RFC 3501 §6.4.7) and UID COPY, with COPYUID (RFC 4315 §3) and TRYCREATE.
import { SELECTED, no, ok, type CommandSpec } from '../command.ts';
import { readMailbox } from '../mailbox-names.ts';
import { storeErrorReply } from '../store-errors.ts';
import { formatSet, parseSequenceSet } from '../wire/sequence.ts';

export const copy: CommandSpec = {
  name: 'COPY',
  states: SELECTED,
  sync: 'all',
  uidSync: 'all',
  async run({ session, args, uid }) {
    const set = parseSequenceSet(args.atom('sequence set'));
    const path = readMailbox(args);
    args.end();
    const box = session.selected!;
    const uids = uid ? box.uidRanges(set) : box.seqToUids(set);
    const target = await session.store.mailboxes.get(session.userId, path);
    if (!target) return no('No such mailbox', 'TRYCREATE');
    try {
      const res = await session.store.messages.copy({
        user: session.userId,
        mailbox: box.id,
        uids,
        target: target.id,
      });
      if (target.id === box.id) box.dirty = true;
      if (res.map.length === 0) return ok(`${uid ? 'UID ' : ''}COPY completed`);
      const src = formatSet(res.map.map((x) => x.source));
      const dst = formatSet(res.map.map((x) => x.target));
      return ok(`${uid ? 'UID ' : ''}COPY completed`, `COPYUID ${res.uidValidity} ${src} ${dst}`);
    } catch (err) {
      const r = storeErrorReply(err, { missingTarget: true });
      if (r) return r;
      throw err;
    }
  },
};
