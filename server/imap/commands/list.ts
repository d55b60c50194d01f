// LIST (RFC 3501 §6.3.8, RFC 3348 CHILDREN, RFC 6154 SPECIAL-USE attributes), extended LIST
// (RFC 5258), LIST-STATUS (RFC 5819).
import { DELIMITER, isStoreError } from '../../store/index.ts';
import { AUTHENTICATED, ok, type CommandSpec } from '../command.ts';
import { mailboxName } from '../format.ts';
import { extendedEntries, parseListArgs } from '../list-extended.ts';
import { listEntries, matcher } from '../mailbox-list.ts';
import { checkStatusItems, writeStatus } from './status.ts';

export const list: CommandSpec = {
  name: 'LIST',
  states: AUTHENTICATED,
  sync: 'all',
  async run({ session, args }) {
    const req = parseListArgs(args);
    if (req.ret.status) checkStatusItems(req.ret.status);
    const line = (attributes: string[], path: string, extra = '') =>
      session.out.untagged(`LIST (${attributes.join(' ')}) "${DELIMITER}" ${mailboxName(path)}${extra}`);
    // RFC 3501 §6.3.8, RFC 5258 §3: an empty pattern asks for the delimiter and the reference's root
    if (req.patterns.length === 1 && req.patterns[0] === '') {
      line(['\\Noselect'], '');
      return ok('LIST completed');
    }
    const boxes = await session.store.mailboxes.list(session.userId);
    if (!req.extended) {
      for (const e of listEntries(boxes, matcher(req.reference, req.patterns[0]!)))
        line(e.attributes, e.path);
      return ok('LIST completed');
    }
    const subscribed = new Set<string>();
    if (req.ret.subscribed) {
      for (const s of await session.store.mailboxes.subscriptions(session.userId)) subscribed.add(s.path);
    }
    for (const e of extendedEntries(req, boxes, subscribed)) {
      // RFC 5258 §3.5: ("CHILDINFO" ("SUBSCRIBED"))
      const extra = e.childInfo.length
        ? ` ("CHILDINFO" (${e.childInfo.map((c) => `"${c}"`).join(' ')}))`
        : '';
      line(e.attributes, e.path, extra);
      // RFC 5819 §1: STATUS right after the mailbox's LIST line, only for a mailbox that exists
      if (req.ret.status && e.box) {
        try {
          await writeStatus(session, e.box, req.ret.status);
        } catch (err) {
          // deleted since it was listed: no STATUS for it
          if (!isStoreError(err) || err.code !== 'NOMAILBOX') throw err;
        }
      }
    }
    return ok('LIST completed');
  },
};
