// STORE (RFC 3501 §6.4.6) and UID STORE: FLAGS / +FLAGS / -FLAGS, .SILENT, and (UNCHANGEDSINCE n)
// (RFC 7162 §3.1.3). The session reports its own changes here and marks their MODSEQs so the
// journal does not report them again.
import type { FlagAction } from '../../store/index.ts';
import { SELECTED, no, ok, type CommandSpec } from '../command.ts';
import { parseStoreModifiers } from '../condstore-args.ts';
import { knownView, writeIndexFetch, type IndexItem } from '../fetch-index.ts';
import { storedModseq } from '../modseq.ts';
import { parseStoreArgs } from '../protocol/parse.ts';
import { formatSequenceSet } from '../protocol/response.ts';

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
    const modifiers = args[1]?.kind === 'list' ? args[1] : undefined;
    const unchangedSince = modifiers ? parseStoreModifiers(modifiers) : undefined;
    const req = parseStoreArgs(modifiers ? [args[0]!, ...args.slice(2)] : args);
    const box = session.selected!;
    if (box.readOnly) return no('Mailbox is read-only', 'READ-ONLY');
    // RFC 7162 §3.1: UNCHANGEDSINCE enables CONDSTORE
    if (unchangedSince !== undefined) session.enableCondstore();
    const uids = uid ? box.uidRanges(req.set) : box.seqToUids(req.set);
    const { messages } = session.store;
    const res = await messages.updateFlags({
      user: session.userId,
      mailbox: box.id,
      uids,
      action: ACTIONS[req.op],
      flags: req.flags,
      ...(unchangedSince === undefined ? {} : { unchangedSince: storedModseq(unchangedSince) }),
    });
    box.markOwn(res.updated.map((u) => u.modseq));
    // RFC 7162 §3.2.4: once QRESYNC is on, every untagged FETCH names the message's UID
    const uidItem = (u: number) => (uid || box.qresync ? `UID ${u} ` : '');
    if (!req.silent) {
      // RFC 3501 §6.4.6: the new flags of every message in the set, except those left alone
      const items: IndexItem[] = [{ kind: 'FLAGS' }];
      if (uid || box.qresync) items.unshift({ kind: 'UID' });
      if (box.condstore) items.push({ kind: 'MODSEQ' });
      // the index holds this STORE's changes once it is at their MODSEQ
      let mine = 0;
      for (const u of res.updated) mine = Math.max(mine, u.modseq);
      const view = await knownView(session, mine);
      if (view) await writeIndexFetch(session, box, view, uids, { items, skip: new Set(res.modified) });
    } else if (box.condstore) {
      // RFC 7162 §3.1.3: even .SILENT reports the new MODSEQ of what changed
      for (const u of res.updated) {
        const seq = box.seqOf(u.uid);
        if (seq) session.out.untagged(`${seq} FETCH (${uidItem(u.uid)}${box.modseqItem(u.modseq).trim()})`);
      }
    }
    const left = res.modified.map((u) => (uid ? u : box.seqOf(u))).filter((n) => n > 0);
    if (left.length) {
      // RFC 7162 §3.1.3: the messages not changed because they changed after UNCHANGEDSINCE
      return ok('Conditional STORE failed', { code: 'MODIFIED', set: formatSequenceSet(left) });
    }
    return ok(`${uid ? 'UID ' : ''}STORE completed`);
  },
};
