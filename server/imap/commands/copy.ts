// COPY (RFC 3501 §6.4.7) and UID COPY, with COPYUID (RFC 4315 §3) and TRYCREATE.
import { SELECTED, ok, type CommandSpec } from '../command.ts';
import { copyUidCode, isReply, resolveCopyTarget } from '../copy-target.ts';
import { storeErrorReply } from '../store-errors.ts';

export const copy: CommandSpec = {
  name: 'COPY',
  states: SELECTED,
  sync: 'all',
  uidSync: 'all',
  async run(call) {
    const found = await resolveCopyTarget(call);
    if (isReply(found)) return found;
    const { box, uids, target } = found;
    const { session, uid } = call;
    try {
      const res = await session.store.messages.copy({
        user: session.userId,
        mailbox: box.id,
        uids,
        target: target.id,
      });
      if (target.id === box.id) box.dirty = true;
      if (res.map.length === 0) return ok(`${uid ? 'UID ' : ''}COPY completed`);
      return ok(`${uid ? 'UID ' : ''}COPY completed`, copyUidCode(res));
    } catch (err) {
      const r = storeErrorReply(err, { missingTarget: true });
      if (r) return r;
      throw err;
    }
  },
};
