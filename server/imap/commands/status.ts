// STATUS (RFC 3501 §6.3.10): MESSAGES, RECENT, UIDNEXT, UIDVALIDITY, UNSEEN in the order asked.
import { AUTHENTICATED, no, ok, type CommandSpec } from '../command.ts';
import { mailboxName } from '../format.ts';
import { readMailbox } from '../mailbox-names.ts';
import { ParseError } from '../wire/tokens.ts';

const ITEMS = new Set(['MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN']);

export const status: CommandSpec = {
  name: 'STATUS',
  states: AUTHENTICATED,
  sync: 'all',
  async run({ session, args }) {
    const path = readMailbox(args);
    const items = args.list('status items').map((t) => {
      const name = t.t === 'atom' ? t.v.toUpperCase() : '';
      if (!ITEMS.has(name)) throw new ParseError('unknown STATUS item');
      return name;
    });
    args.end();
    if (items.length === 0) throw new ParseError('STATUS needs at least one item');
    const { store } = session;
    const box = await store.mailboxes.get(session.userId, path);
    if (!box) return no('No such mailbox', 'NONEXISTENT');
    const st = await store.mailboxes.status(session.userId, box.id);
    let recent = 0;
    if (items.includes('RECENT')) {
      // messages no session has claimed as \Recent yet
      const mark = await session.recentMarks.peek(box.id);
      if (mark < st.uidNext - 1) {
        recent = (await store.messages.search(box.id, { type: 'uid', uids: [[mark + 1, st.uidNext]] }))
          .length;
      }
    }
    const value: Record<string, number> = {
      MESSAGES: st.messages,
      RECENT: recent,
      UIDNEXT: st.uidNext,
      UIDVALIDITY: st.uidValidity,
      UNSEEN: st.unseen,
    };
    session.out.untagged(
      `STATUS ${mailboxName(box.path)} (${items.map((i) => `${i} ${value[i]}`).join(' ')})`,
    );
    return ok('STATUS completed');
  },
};
