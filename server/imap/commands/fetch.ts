// FETCH (RFC 3501 §6.4.5) and UID FETCH (§6.4.8: always with UID). Messages stream from the store
// one by one and bodies as literals, waiting for the socket between messages (docs/ARCHITECTURE.md §6).
import type { MessageField, OpenedMessage, UidSet } from '../../store/index.ts';
import type { Session } from '../session.ts';
import { SELECTED, no, ok, type CommandSpec, type Reply } from '../command.ts';
import { flagList } from '../format.ts';
import { binaryParts, writeBinary } from '../fetch-binary.ts';
import { writeSection } from '../fetch-body.ts';
import { answeredByIndex, knownView, writeIndexFetch } from '../fetch-index.ts';
import { readAhead } from '../read-ahead.ts';
import { FETCH_READ_AHEAD } from '../limits.ts';
import { ProtocolError } from '../protocol/errors.ts';
import {
  expectEnd,
  parseFetchItems,
  sequenceSet,
  sectionResponseName,
  type FetchItem,
  type Section,
} from '../protocol/parse.ts';
import { parseFetchModifiers } from '../condstore-args.ts';
import { storedModseq, wireModseq } from '../modseq.ts';
import { vanishedEarlier } from '../qresync.ts';
import { formatDateTime } from '../protocol/response.ts';

/** Every binary part the items name, read and decoded once each. */
async function readBinaries(
  opened: OpenedMessage,
  items: readonly FetchItem[],
): Promise<Map<string, Buffer | null> | 'unknown-cte'> {
  const out = new Map<string, Buffer | null>();
  for (const part of binaryParts(items)) {
    const data = await opened.binary(part);
    if (data === 'unknown-cte') return data;
    out.set(part.join('.'), data);
  }
  return out;
}

const FIELDS: Partial<Record<FetchItem['kind'], MessageField>> = {
  FLAGS: 'flags',
  INTERNALDATE: 'idate',
  'RFC822.SIZE': 'size',
  ENVELOPE: 'envelope',
  BODY: 'body',
  BODYSTRUCTURE: 'bodystructure',
  MODSEQ: 'modseq',
};

/** A body item as the fetch loop needs it: the response name, the section, and \Seen. */
interface BodyItem {
  name: string;
  section: Section;
  partial: { start: number; length: number } | undefined;
  /** RFC 3501 §6.4.5: BODY[…], RFC822 and RFC822.TEXT set \Seen; BODY.PEEK and RFC822.HEADER not. */
  setsSeen: boolean;
}

function wholeMessage(name: string, kind: 'HEADER' | 'TEXT' | undefined, setsSeen: boolean): BodyItem {
  return { name, section: kind ? { parts: [], kind } : { parts: [] }, partial: undefined, setsSeen };
}

/** RFC822, RFC822.HEADER and RFC822.TEXT are BODY[], BODY.PEEK[HEADER] and BODY[TEXT] under their
 * own names (RFC 3501 §6.4.5). */
function bodyItem(item: FetchItem): BodyItem | null {
  switch (item.kind) {
    case 'BODY[]':
      return {
        name: sectionResponseName(item),
        section: item.section,
        partial: item.partial,
        setsSeen: !item.peek,
      };
    case 'RFC822':
      return wholeMessage('RFC822', undefined, true);
    case 'RFC822.HEADER':
      return wholeMessage('RFC822.HEADER', 'HEADER', false);
    case 'RFC822.TEXT':
      return wholeMessage('RFC822.TEXT', 'TEXT', true);
    default:
      return null;
  }
}

/** The UIDs of `uids` whose MODSEQ is above `since`, from the mailbox index. */
async function changedUids(
  session: Session,
  mailbox: string,
  uids: UidSet,
  since: number,
): Promise<number[]> {
  const out: number[] = [];
  for await (const m of session.store.messages.fetch(session.userId, mailbox, uids, ['modseq'])) {
    if ((m.modseq ?? 0) > since) out.push(m.uid);
  }
  return out;
}

export const fetch: CommandSpec = {
  name: 'FETCH',
  states: SELECTED,
  // RFC 3501 §7.4.1: no EXPUNGE while answering FETCH; UID FETCH may have them
  sync: 'no-expunge',
  uidSync: 'all',
  async run({ session, args, uid }) {
    const set = sequenceSet(args[0]);
    const items = parseFetchItems(args[1]);
    const mods = parseFetchModifiers(args[2]);
    expectEnd(args, 3);
    // RFC 3501 §6.4.8: UID FETCH always returns UID
    if (uid && !items.some((i) => i.kind === 'UID')) items.unshift({ kind: 'UID' });
    // RFC 7162 §3.2.6: VANISHED needs UID FETCH, CHANGEDSINCE and QRESYNC enabled
    if (mods.vanished && (!uid || mods.changedSince === undefined || !session.qresync)) {
      throw new ProtocolError('VANISHED needs UID FETCH with CHANGEDSINCE after ENABLE QRESYNC');
    }
    // RFC 7162 §3.1.4.1: CHANGEDSINCE answers with MODSEQ too
    if (mods.changedSince !== undefined && !items.some((i) => i.kind === 'MODSEQ'))
      items.push({ kind: 'MODSEQ' });
    // RFC 7162 §3.1: FETCH MODSEQ and CHANGEDSINCE enable CONDSTORE
    if (items.some((i) => i.kind === 'MODSEQ')) session.enableCondstore();
    const bodies = new Map(items.map((i) => [i, bodyItem(i)]));
    const box = session.selected!;
    const uids = uid ? box.uidRanges(set) : box.seqToUids(set);
    const { messages } = session.store;
    const out = session.out;
    const changedSince = mods.changedSince === undefined ? undefined : storedModseq(mods.changedSince);

    if (mods.vanished && changedSince !== undefined) {
      // RFC 7162 §3.2.6: the UIDs of the set expunged since, before any FETCH
      const view = await messages.view(session.userId, box.id);
      const gone = view ? vanishedEarlier(box, view, uids, changedSince) : null;
      if (gone) out.untagged(`VANISHED (EARLIER) ${gone}`);
    }

    const expected = box.countInView(uids);
    if (answeredByIndex(items)) {
      // nothing to read but the index, and nothing becomes \Seen
      const view = await knownView(session);
      const sent = view ? await writeIndexFetch(session, box, view, uids, { items, changedSince }) : 0;
      return fetched(uid, sent < expected);
    }

    // RFC 3501 §6.4.5: the new FLAGS of messages marked \Seen go in the same response
    const seen = new Map<number, { flags: string[]; modseq: number }>();
    const binarySeen = items.some((i) => i.kind === 'BINARY[]' && !i.peek);
    if (!box.readOnly && (binarySeen || [...bodies.values()].some((b) => b?.setsSeen))) {
      // with CHANGEDSINCE only the messages answered are read, so only they become \Seen
      const read = changedSince === undefined ? uids : await changedUids(session, box.id, uids, changedSince);
      const res = await messages.updateFlags({
        user: session.userId,
        mailbox: box.id,
        uids: read,
        action: 'add',
        flags: ['\\Seen'],
      });
      box.markOwn(res.updated.map((u) => u.modseq));
      for (const u of res.updated) seen.set(u.uid, { flags: u.flags, modseq: u.modseq });
    }

    const fields = new Set<MessageField>();
    for (const i of items) {
      const f = FIELDS[i.kind];
      if (f) fields.add(f);
    }
    if (changedSince !== undefined) fields.add('modseq');
    const wantsFlags = items.some((i) => i.kind === 'FLAGS');
    let sent = 0;

    const wantsBinary = binaryParts(items).length > 0;
    const wantsBody = wantsBinary || [...bodies.values()].some((b) => b !== null);

    // a page of messages per read (or passes over the mailbox for a large range), for all their
    // sections, with the next page read ahead; a message expunged since the listing is left out
    const listed = messages.fetch(session.userId, box.id, uids, [...fields]);
    const pages = messages.pager(session.userId, box.id, uids);
    const modseqOf = (m: { uid: number; modseq?: number }) => seen.get(m.uid)?.modseq ?? m.modseq;
    // RFC 7162 §3.1.4.1: only what changed after CHANGEDSINCE (a \Seen set just now did)
    const unchanged = (m: { uid: number; modseq?: number }) =>
      changedSince !== undefined && (modseqOf(m) ?? 0) <= changedSince;
    const open = (m: { uid: number; modseq?: number }) =>
      wantsBody && box.seqOf(m.uid) && !unchanged(m) ? pages.open(m.uid) : Promise.resolve(null);
    for await (const [m, opened] of readAhead(listed, open, FETCH_READ_AHEAD)) {
      const seq = box.seqOf(m.uid);
      if (!seq) continue; // not yet announced to this session
      if (unchanged(m)) {
        sent++;
        continue;
      }
      const setSeen = seen.get(m.uid);
      const modseq = modseqOf(m);
      if (wantsBody && !opened) continue;
      // RFC 3516 §4.3: decoded before anything of this message is written, so an encoding we
      // cannot undo ends the FETCH with NO [UNKNOWN-CTE] between two responses
      const binaries = wantsBinary && opened ? await readBinaries(opened, items) : null;
      if (binaries === 'unknown-cte') {
        return no('Unknown Content-Transfer-Encoding', 'UNKNOWN-CTE');
      }
      sent++;
      const shown = setSeen?.flags ?? (wantsFlags ? m.flags : undefined);
      if (shown) box.announceKeywords(shown, out);
      out.queue(`* ${seq} FETCH (`);
      let first = true;
      for (const item of items) {
        if (!first) out.queue(' ');
        first = false;
        const body = bodies.get(item);
        if (body) {
          if (opened) await writeSection(out, opened, body.name, body.section, body.partial);
          continue;
        }
        if (item.kind === 'BINARY[]' || item.kind === 'BINARY.SIZE') {
          writeBinary(out, item, binaries?.get(item.part.join('.')) ?? null);
          continue;
        }
        switch (item.kind) {
          case 'UID':
            out.queue(`UID ${m.uid}`);
            break;
          case 'FLAGS':
            out.queue(`FLAGS ${flagList(setSeen?.flags ?? m.flags ?? [], box.recent.has(m.uid))}`);
            break;
          case 'MODSEQ':
            out.queue(`MODSEQ (${wireModseq(modseq ?? 0)})`);
            break;
          case 'INTERNALDATE':
            out.queue(`INTERNALDATE ${formatDateTime(m.idate ?? new Date(0))}`);
            break;
          case 'RFC822.SIZE':
            out.queue(`RFC822.SIZE ${m.size ?? 0}`);
            break;
          case 'ENVELOPE':
            out.queue(`ENVELOPE ${m.envelope ?? 'NIL'}`);
            break;
          case 'BODY':
            out.queue(`BODY ${m.body ?? 'NIL'}`);
            break;
          case 'BODYSTRUCTURE':
            out.queue(`BODYSTRUCTURE ${m.bodystructure ?? 'NIL'}`);
            break;
          default:
            break;
        }
      }
      if (setSeen && !wantsFlags) out.queue(` FLAGS ${flagList(setSeen.flags, box.recent.has(m.uid))}`);
      // RFC 7162 §3.2.4: with QRESYNC on, a FETCH that set \Seen also names the UID
      if (setSeen && box.qresync && !items.some((i) => i.kind === 'UID')) out.queue(` UID ${m.uid}`);
      // RFC 7162 §3.1.3: a flag change is reported with its MODSEQ once CONDSTORE is on
      if (setSeen && !items.some((i) => i.kind === 'MODSEQ')) out.queue(box.modseqItem(setSeen.modseq));
      out.queue(')\r\n');
      await out.maybeFlush();
      if (out.closed) break;
    }
    return fetched(uid, sent < expected);
  },
};

function fetched(uid: boolean, missing: boolean): Reply {
  // RFC 2180 §4.1, RFC 5530: expunged elsewhere, and this session has not been told yet
  if (missing) return ok('Some messages were expunged before they could be fetched', 'EXPUNGEISSUED');
  return ok(`${uid ? 'UID ' : ''}FETCH completed`);
}
