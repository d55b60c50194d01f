// STATUS (RFC 3501 §6.3.10): MESSAGES, RECENT, UIDNEXT, UIDVALIDITY, UNSEEN, HIGHESTMODSEQ
// (RFC 7162 §3.1.7) and SIZE (RFC 8438) in the order asked.
// LIST … RETURN (STATUS (…)) (RFC 5819) answers with the same lines through `writeStatus`.
import { AUTHENTICATED, no, ok, type CommandSpec } from '../command.ts';
import { mailboxName } from '../format.ts';
import { readMailbox } from '../mailbox-names.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { expectEnd, parseStatusItems, type StatusItem } from '../protocol/parse.ts';
import type { Session } from '../session.ts';
import type { MailboxInfo } from '../../store/index.ts';
import { wireModseq } from '../modseq.ts';

/** The items offered; DELETED (RFC 9051) is not. */
const ITEMS = new Set(['MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'HIGHESTMODSEQ', 'SIZE']);

/** Refuses the items this server does not offer (a BAD, as for an unknown item). */
export function checkStatusItems(items: readonly StatusItem[]): void {
  for (const i of items) if (!ITEMS.has(i)) throw new ProtocolError(`Unknown status item: ${i}`);
}

/** Writes `* STATUS <name> (…)` for one mailbox. */
export async function writeStatus(
  session: Session,
  box: MailboxInfo,
  items: readonly StatusItem[],
): Promise<void> {
  const { store } = session;
  const st = await store.mailboxes.status(session.userId, box.id);
  let recent = 0;
  if (items.includes('RECENT')) {
    // messages no session has claimed as \Recent yet
    const mark = await session.recentMarks.peek(box.id);
    if (mark < st.uidNext - 1) {
      recent = (
        await store.messages.search(session.userId, box.id, { type: 'uid', uids: [[mark + 1, st.uidNext]] })
      ).length;
    }
  }
  // RFC 7162 §3.1: STATUS HIGHESTMODSEQ enables CONDSTORE
  if (items.includes('HIGHESTMODSEQ')) session.enableCondstore();
  const value: Record<string, number> = {
    HIGHESTMODSEQ: wireModseq(st.highestModseq),
    // RFC 8438 §3: the total of the messages' RFC822.SIZEs, from the mailbox index
    SIZE: st.size,
    MESSAGES: st.messages,
    RECENT: recent,
    UIDNEXT: st.uidNext,
    UIDVALIDITY: st.uidValidity,
    UNSEEN: st.unseen,
  };
  session.out.untagged(`STATUS ${mailboxName(box.path)} (${items.map((i) => `${i} ${value[i]}`).join(' ')})`);
}

export const status: CommandSpec = {
  name: 'STATUS',
  states: AUTHENTICATED,
  sync: 'all',
  async run({ session, args }) {
    const path = readMailbox(args[0]);
    const items = parseStatusItems(args[1]);
    expectEnd(args, 2);
    checkStatusItems(items);
    const box = await session.store.mailboxes.get(session.userId, path);
    if (!box) return no('No such mailbox', 'NONEXISTENT');
    await writeStatus(session, box, items);
    return ok('STATUS completed');
  },
};
