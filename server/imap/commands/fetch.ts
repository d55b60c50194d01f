// FETCH (RFC 3501 §6.4.5) and UID FETCH (§6.4.8: always with UID). Messages stream from the store
// one by one and bodies as literals, waiting for the socket between messages (DESIGN §6).
import type { MessageField } from '../../store/index.ts';
import { SELECTED, ok, type CommandSpec } from '../command.ts';
import { flagList } from '../format.ts';
import { writeSection } from '../fetch-body.ts';
import { formatDateTime } from '../wire/datetime.ts';
import { parseFetchItems, type FetchItem } from '../wire/fetch-items.ts';
import { parseSequenceSet } from '../wire/sequence.ts';

const FIELDS: Partial<Record<FetchItem['kind'], MessageField>> = {
  FLAGS: 'flags',
  INTERNALDATE: 'idate',
  'RFC822.SIZE': 'size',
  ENVELOPE: 'envelope',
  BODY: 'body',
  BODYSTRUCTURE: 'bodystructure',
};

export const fetch: CommandSpec = {
  name: 'FETCH',
  states: SELECTED,
  // RFC 3501 §7.4.1: no EXPUNGE while answering FETCH; UID FETCH may have them
  sync: 'no-expunge',
  uidSync: 'all',
  async run({ session, args, uid }) {
    const set = parseSequenceSet(args.atom('sequence set'));
    const items = parseFetchItems(args.next('FETCH items'));
    args.end();
    if (uid && !items.some((i) => i.kind === 'UID')) items.unshift({ kind: 'UID' });
    const box = session.selected!;
    const uids = uid ? box.uidRanges(set) : box.seqToUids(set);
    const { messages } = session.store;
    const out = session.out;

    // RFC 3501 §6.4.5: BODY[…] / RFC822 / RFC822.TEXT set \Seen; the new FLAGS go in the same response
    const seen = new Map<number, string[]>();
    if (!box.readOnly && items.some((i) => i.kind === 'section' && i.setsSeen)) {
      const res = await messages.updateFlags({
        user: session.userId,
        mailbox: box.id,
        uids,
        action: 'add',
        flags: ['\\Seen'],
      });
      box.markOwn(res.updated.map((u) => u.modseq));
      for (const u of res.updated) seen.set(u.uid, u.flags);
    }

    const fields = new Set<MessageField>();
    for (const i of items) {
      const f = FIELDS[i.kind];
      if (f) fields.add(f);
    }
    const wantsFlags = items.some((i) => i.kind === 'FLAGS');
    const expected = box.countInView(uids);
    let sent = 0;

    for await (const m of messages.fetch(box.id, uids, [...fields])) {
      const seq = box.seqOf(m.uid);
      if (!seq) continue; // not yet announced to this session
      sent++;
      out.raw(`* ${seq} FETCH (`);
      let first = true;
      for (const item of items) {
        if (!first) out.raw(' ');
        first = false;
        switch (item.kind) {
          case 'UID':
            out.raw(`UID ${m.uid}`);
            break;
          case 'FLAGS':
            out.raw(`FLAGS ${flagList(seen.get(m.uid) ?? m.flags ?? [], box.recent.has(m.uid))}`);
            break;
          case 'INTERNALDATE':
            out.raw(`INTERNALDATE ${formatDateTime(m.idate ?? new Date(0))}`);
            break;
          case 'RFC822.SIZE':
            out.raw(`RFC822.SIZE ${m.size ?? 0}`);
            break;
          case 'ENVELOPE':
            out.raw(`ENVELOPE ${m.envelope ?? 'NIL'}`);
            break;
          case 'BODY':
            out.raw(`BODY ${m.body ?? 'NIL'}`);
            break;
          case 'BODYSTRUCTURE':
            out.raw(`BODYSTRUCTURE ${m.bodystructure ?? 'NIL'}`);
            break;
          case 'section':
            await writeSection(out, messages, box.id, m.uid, item.label, item.section, item.partial);
            break;
        }
      }
      const changed = seen.get(m.uid);
      if (changed && !wantsFlags) out.raw(` FLAGS ${flagList(changed, box.recent.has(m.uid))}`);
      out.raw(')\r\n');
      await out.maybeFlush();
      if (out.closed) break;
    }
    if (sent < expected) {
      // RFC 2180 §4.1, RFC 5530: expunged elsewhere, and this session has not been told yet
      return ok('Some messages were expunged before they could be fetched', 'EXPUNGEISSUED');
    }
    return ok(`${uid ? 'UID ' : ''}FETCH completed`);
  },
};
