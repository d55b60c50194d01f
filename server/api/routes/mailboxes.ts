// Mailboxes of a user.
import { z } from 'zod';
import { defineRoute, type AnyRoute, type ApiDeps } from '../registry.ts';
import { objectId, qbool, successIdSchema, successSchema, userParam } from '../schemas.ts';
import { mailboxJson, requireMailbox, requireUser } from '../format.ts';
import type { MailboxInfo } from '../../store/index.ts';

// what a new name may be is the store's rule (server/store/paths.ts), the same for IMAP
const path = z.string().min(1).max(1024);

const mailboxOut = z.object({
  id: z.string(),
  name: z.string(),
  path: z.string(),
  specialUse: z.string().nullable(),
  subscribed: z.boolean(),
  modifyIndex: z.number(),
  total: z.number().optional(),
  unseen: z.number().optional(),
  size: z.number().optional(),
});

export async function counters(deps: ApiDeps, user: string, m: MailboxInfo) {
  const status = await deps.ctx.store.mailboxes.status(user, m.id);
  return { total: status.messages, unseen: status.unseen, size: status.size };
}

const mailboxPath = z.object({ user: userParam, mailbox: objectId });

const listMailboxes = defineRoute({
  method: 'get',
  path: '/users/:user/mailboxes',
  tag: 'Mailboxes',
  summary: "A user's mailboxes",
  access: 'user',
  params: z.object({ user: userParam }),
  query: z.object({
    counters: qbool.optional().describe('add total, unseen and size'),
    specialUse: qbool.optional().describe('only mailboxes with a special use'),
    subscribed: qbool.optional().describe('only subscribed mailboxes'),
  }),
  responses: {
    200: {
      description: 'Mailboxes',
      schema: z.object({ success: z.literal(true), results: z.array(mailboxOut) }),
    },
  },
  async handler({ user, query, deps }) {
    await requireUser(deps, user);
    let list = await deps.ctx.store.mailboxes.list(user, { subscribedOnly: query.subscribed ?? false });
    if (query.specialUse) list = list.filter((m) => m.specialUse);
    const results = [];
    for (const m of list) {
      results.push({ ...mailboxJson(m), ...(query.counters ? await counters(deps, user, m) : {}) });
    }
    return { success: true, results };
  },
});

const createMailbox = defineRoute({
  method: 'post',
  path: '/users/:user/mailboxes',
  tag: 'Mailboxes',
  summary: 'Create a mailbox (missing parents are created too)',
  access: 'user',
  params: z.object({ user: userParam }),
  body: z
    .object({
      path,
      subscribed: z.boolean().optional(),
      hidden: z.boolean().optional().describe('accepted for WildDuck compatibility; no effect'),
    })
    .strict(),
  responses: { 200: { description: 'Created', schema: successIdSchema } },
  async handler({ user, body, deps }) {
    await requireUser(deps, user);
    const m = await deps.ctx.store.mailboxes.create(user, body.path, { subscribed: body.subscribed ?? true });
    return { success: true, id: m.id };
  },
});

const getMailbox = defineRoute({
  method: 'get',
  path: '/users/:user/mailboxes/:mailbox',
  tag: 'Mailboxes',
  summary: 'One mailbox with its counters',
  access: 'user',
  params: mailboxPath,
  responses: { 200: { description: 'The mailbox', schema: mailboxOut.extend({ success: z.literal(true) }) } },
  async handler({ user, params, deps }) {
    const m = await requireMailbox(deps, user, params.mailbox);
    return { success: true, ...mailboxJson(m), ...(await counters(deps, user, m)) };
  },
});

const updateMailbox = defineRoute({
  method: 'put',
  path: '/users/:user/mailboxes/:mailbox',
  tag: 'Mailboxes',
  summary: 'Rename a mailbox or change its subscription',
  access: 'user',
  params: mailboxPath,
  body: z
    .object({ path: path.optional(), subscribed: z.boolean().optional(), hidden: z.boolean().optional() })
    .strict(),
  responses: { 200: { description: 'Changed', schema: successSchema } },
  async handler({ user, params, body, deps }) {
    const m = await requireMailbox(deps, user, params.mailbox);
    let current = m.path;
    if (body.path !== undefined && body.path !== m.path) {
      current = (await deps.ctx.store.mailboxes.rename(user, m.path, body.path)).path;
    }
    if (body.subscribed !== undefined)
      await deps.ctx.store.mailboxes.setSubscribed(user, current, body.subscribed);
    return { success: true };
  },
});

const deleteMailbox = defineRoute({
  method: 'delete',
  path: '/users/:user/mailboxes/:mailbox',
  tag: 'Mailboxes',
  summary: 'Delete a mailbox and its messages (INBOX cannot be deleted)',
  access: 'user',
  params: mailboxPath,
  responses: { 200: { description: 'Deleted', schema: successSchema } },
  async handler({ user, params, deps }) {
    const m = await requireMailbox(deps, user, params.mailbox);
    await deps.ctx.store.mailboxes.delete(user, m.path);
    return { success: true };
  },
});

export const mailboxRoutes: AnyRoute[] = [
  listMailboxes,
  createMailbox,
  getMailbox,
  updateMailbox,
  deleteMailbox,
];
