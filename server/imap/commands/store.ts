// STORE (RFC 3501 §6.4.6) and UID STORE: FLAGS / +FLAGS / -FLAGS, .SILENT. The session reports its
// own changes here and marks their MODSEQs so the journal does not report them again.
import type { FlagAction } from '../../store/index.ts';
import { SELECTED, no, ok, type CommandSpec } from '../command.ts';
import { flagList } from '../format.ts';
import { parseStoreArgs } from '../protocol/parse.ts';

const ACTIONS: Record<'add' | 'remove' | 'replace', FlagAction> = {
  add: 'add',
  remove: 'remove',
  replace: 'set',
};

export const store: CommandSpec = {
  name: 'STORE',
  states: SELECTED,
  // RFC 3501 §7.4.1: no EXPUNGE while answering STORE; UID STORE may have them
  sync: 'no-expunge',
  uidSync: 'all',
  async run({ session, args, uid }) {
    const req = parseStoreArgs(args);
    const box = session.selected!;
    if (box.readOnly) return no('Mailbox is read-only', 'READ-ONLY');
    const uids = uid ? box.uidRanges(req.set) : box.seqToUids(req.set);
    const { messages } = session.store;
    const res = await messages.updateFlags({
      user: session.userId,
      mailbox: box.id,
      uids,
      action: ACTIONS[req.op],
      flags: req.flags,
    });
    box.markOwn(res.updated.map((u) => u.modseq));
    if (!req.silent) {
      // RFC 3501 §6.4.6: the new flags of every message in the set
      for await (const v of messages.fetch(box.id, uids, ['flags'])) {
        const seq = box.seqOf(v.uid);
        if (!seq) continue;
        box.announceKeywords(v.flags ?? [], session.out);
        const fl = flagList(v.flags ?? [], box.recent.has(v.uid));
        session.out.untagged(`${seq} FETCH (${uid ? `UID ${v.uid} ` : ''}FLAGS ${fl})`);
        await session.out.maybeFlush();
      }
    }
    return ok(`${uid ? 'UID ' : ''}STORE completed`);
  },
};
