// MOVE (RFC 6851) and UID MOVE: COPYUID in an untagged OK, then the EXPUNGEs, then the tagged OK.
import { SELECTED, no, ok, type CommandSpec } from '../command.ts';
import { copyUidCode, isReply, resolveCopyTarget } from '../copy-target.ts';
import { untaggedStatus } from '../protocol/response.ts';
import { storeErrorReply } from '../store-errors.ts';

export const move: CommandSpec = {
  name: 'MOVE',
  states: SELECTED,
  sync: 'all',
  uidSync: 'all',
  async run(call) {
    const found = await resolveCopyTarget(call, { writable: true });
    if (isReply(found)) return found;
    const { box, uids, target } = found;
    const { session, uid } = call;
    if (target.id === box.id) return no('Source and target are the same mailbox', 'CANNOT');
    try {
      const res = await session.store.messages.move({
        user: session.userId,
        mailbox: box.id,
        uids,
        target: target.id,
      });
      // RFC 6851 §4.3: COPYUID goes in an untagged OK before the EXPUNGEs
      if (res.map.length) session.out.queue(untaggedStatus('OK', 'Moved', copyUidCode(res)));
      box.removeOwn(res.expunged, session.out);
      return ok(`${uid ? 'UID ' : ''}MOVE completed`);
    } catch (err) {
      const r = storeErrorReply(err, { missingTarget: true });
      if (r) return r;
      throw err;
    }
  },
};
