// MOVE (RFC 6851) and UID MOVE: COPYUID in an untagged OK, then the EXPUNGEs, then the tagged OK.
import type { MessagesApi, MoveResult, UidSet } from '../../store/index.ts';
import { SELECTED, ok, type CommandSpec } from '../command.ts';
import { copyUidCode, isReply, resolveCopyTarget } from '../copy-target.ts';
import { untaggedStatus } from '../protocol/response.ts';
import { highestModseqCode } from '../qresync.ts';
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
    try {
      const input = { user: session.userId, mailbox: box.id, uids, target: target.id };
      const res =
        target.id === box.id
          ? await moveWithin(session.store.messages, input)
          : await session.store.messages.move(input);
      // the copies come as EXISTS from the journal after the EXPUNGEs (RFC 6851 §3.3)
      if (target.id === box.id) box.dirty = true;
      // RFC 6851 §4.3: COPYUID goes in an untagged OK before the EXPUNGEs
      if (res.map.length) session.out.queue(untaggedStatus('OK', 'Moved', copyUidCode(res)));
      box.removeOwn(res.expunged, session.out);
      return ok(`${uid ? 'UID ' : ''}MOVE completed`, await highestModseqCode(session));
    } catch (err) {
      const r = storeErrorReply(err, { missingTarget: true });
      if (r) return r;
      throw err;
    }
  },
};

/**
 * MOVE into the mailbox itself (RFC 6851 §3.3 allows it; the messages get new UIDs): a COPY, then
 * an expunge of exactly the sources that were copied. A failure between the two leaves the
 * messages twice, never lost; a mailbox near its quota may refuse it, as it would refuse the COPY.
 */
async function moveWithin(
  messages: MessagesApi,
  input: { user: string; mailbox: string; uids: UidSet; target: string },
): Promise<MoveResult> {
  const copied = await messages.copy(input);
  if (copied.map.length === 0) return { ...copied, expunged: [] };
  const gone = await messages.expunge({
    user: input.user,
    mailbox: input.mailbox,
    uids: copied.map.map((x) => x.source),
    requireDeleted: false,
  });
  return { ...copied, expunged: gone.uids };
}
