// GET /users/:user/search: messages across all mailboxes (or one) matching WildDuck's search fields.
import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../registry.ts';
import { dateString, objectId, pagingQuery, qbool, qint, userParam } from '../schemas.ts';
import { pageLinks, pageWindow } from '../paging.ts';
import { LIST_FIELDS, messageListItem, requireMailbox, requireUser } from '../format.ts';
import type { MessageView, SearchKey } from '../../store/index.ts';

const text = z.string().min(1).max(256);

const search = defineRoute({
  method: 'get',
  path: '/users/:user/search',
  tag: 'Messages',
  summary: 'Search messages of a user',
  access: 'user',
  params: z.object({ user: userParam }),
  query: z.object({
    q: text.optional().describe('alias of query'),
    query: text.optional().describe('text in headers or body'),
    from: text.optional(),
    to: text.optional().describe('To or Cc contains'),
    subject: text.optional(),
    datestart: dateString.optional().describe('internal date on or after'),
    dateend: dateString.optional().describe('internal date before'),
    minSize: qint(0, 2 ** 40).optional(),
    maxSize: qint(0, 2 ** 40).optional(),
    seen: qbool.optional(),
    unseen: qbool.optional(),
    flagged: qbool.optional(),
    attachments: qbool.optional().describe('only messages with (true) or without (false) attachments'),
    mailbox: objectId.optional(),
    ...pagingQuery,
  }),
  responses: { 200: { description: 'A page of matching messages' } },
  async handler({ user, query, deps }) {
    await requireUser(deps, user);
    const store = deps.ctx.store;
    const keys: SearchKey[] = [];
    const q = query.query ?? query.q;
    if (q) keys.push({ type: 'text', value: q });
    if (query.from) keys.push({ type: 'from', value: query.from });
    if (query.to)
      keys.push({
        type: 'or',
        keys: [
          { type: 'to', value: query.to },
          { type: 'cc', value: query.to },
        ],
      });
    if (query.subject) keys.push({ type: 'subject', value: query.subject });
    if (query.datestart || query.dateend) {
      keys.push({
        type: 'idate',
        ...(query.datestart ? { gte: query.datestart } : {}),
        ...(query.dateend ? { lt: query.dateend } : {}),
      });
    }
    if (query.minSize !== undefined || query.maxSize !== undefined) {
      keys.push({
        type: 'size',
        ...(query.minSize !== undefined ? { gt: query.minSize - 1 } : {}),
        ...(query.maxSize !== undefined ? { lt: query.maxSize + 1 } : {}),
      });
    }
    if (query.seen !== undefined) keys.push({ type: 'flag', flag: '\\Seen', set: query.seen });
    if (query.unseen !== undefined) keys.push({ type: 'flag', flag: '\\Seen', set: !query.unseen });
    if (query.flagged !== undefined) keys.push({ type: 'flag', flag: '\\Flagged', set: query.flagged });
    const key: SearchKey =
      keys.length === 0 ? { type: 'all' } : keys.length === 1 ? keys[0]! : { type: 'and', keys };

    const mailboxes = query.mailbox
      ? [await requireMailbox(deps, user, query.mailbox)]
      : await store.mailboxes.list(user);
    // hits in mailbox path order, newest first within each mailbox
    let hits: Array<{ mailbox: string; uid: number }> = [];
    for (const mb of mailboxes) {
      const uids = await store.messages.search(user, mb.id, key);
      for (let i = uids.length - 1; i >= 0; i--) hits.push({ mailbox: mb.id, uid: uids[i]! });
    }
    if (query.attachments !== undefined) {
      const keep: typeof hits = [];
      for (const mb of mailboxes) {
        const uids = hits.filter((h) => h.mailbox === mb.id).map((h) => h.uid);
        if (!uids.length) continue;
        const has = new Set<number>();
        for await (const m of store.messages.fetch(user, mb.id, uids, ['attachments']))
          if (m.hasAttachments) has.add(m.uid);
        for (const u of uids) if (has.has(u) === query.attachments) keep.push({ mailbox: mb.id, uid: u });
      }
      hits = keep;
    }
    const { start, limit } = pageWindow(query);
    const page = hits.slice(start, start + limit);
    const views = new Map<string, MessageView>();
    for (const mb of mailboxes) {
      const uids = page.filter((h) => h.mailbox === mb.id).map((h) => h.uid);
      if (!uids.length) continue;
      for await (const m of store.messages.fetch(user, mb.id, uids, LIST_FIELDS))
        views.set(`${mb.id}:${m.uid}`, m);
    }
    const results = page.flatMap((h) => {
      const v = views.get(`${h.mailbox}:${h.uid}`);
      return v ? [messageListItem(v)] : [];
    });
    return {
      success: true,
      query: q ?? '',
      total: hits.length,
      ...pageLinks(start, limit, hits.length),
      results,
    };
  },
});

export const searchRoutes: AnyRoute[] = [search];
