// Application-specific passwords and the auth log.
import { z } from 'zod';
import type { AnyRoute } from '../registry.ts';
import { objectId, qint, successSchema, userParam } from '../schemas.ts';
import { badInput, notFound } from '../errors.ts';
import { userRoute } from '../user-route.ts';

const userOnly = z.object({ user: userParam });

const listAsps = userRoute({
  method: 'get',
  path: '/users/:user/asps',
  tag: 'Application passwords',
  summary: "A user's application-specific passwords (never the passwords themselves)",
  params: userOnly,
  responses: { 200: { description: 'Application passwords' } },
  async handler({ user, deps }) {
    const list = await deps.ctx.store.users.listAsps(user);
    return {
      success: true,
      results: list.map((a) => ({
        id: a.id,
        description: a.description,
        scopes: a.scopes,
        lastUse: { time: a.lastUse ? a.lastUse.toISOString() : false, event: false },
        created: a.created.toISOString(),
      })),
    };
  },
});

const createAsp = userRoute({
  method: 'post',
  path: '/users/:user/asps',
  tag: 'Application passwords',
  summary: 'Create an application password; it is shown only in this answer',
  params: userOnly,
  body: z
    .object({
      description: z.string().min(1).max(256),
      scopes: z
        .array(z.enum(['imap', 'pop3', 'smtp', '*']))
        .min(1)
        .max(4)
        .default(['*']),
    })
    .strict(),
  responses: {
    200: {
      description: 'Created',
      schema: z.object({ success: z.literal(true), id: z.string(), password: z.string() }),
    },
  },
  async handler({ user, body, deps }) {
    const scopes = body.scopes.includes('*') ? (['*'] as const) : [...new Set(body.scopes)];
    const r = await deps.ctx.store.users.createAsp(user, {
      description: body.description,
      scopes: [...scopes],
    });
    return { success: true, id: r.asp.id, password: r.password };
  },
});

const deleteAsp = userRoute({
  method: 'delete',
  path: '/users/:user/asps/:asp',
  tag: 'Application passwords',
  summary: 'Delete an application password',
  params: z.object({ user: userParam, asp: objectId }),
  responses: { 200: { description: 'Deleted', schema: successSchema } },
  async handler({ user, params, deps }) {
    if (!(await deps.ctx.store.users.deleteAsp(user, params.asp)))
      throw notFound('AspNotFound', 'no such application password');
    return { success: true };
  },
});

const authlog = userRoute({
  method: 'get',
  path: '/users/:user/authlog',
  tag: 'Auth log',
  summary: 'Logins and failed attempts on the account, newest first',
  params: userOnly,
  query: z.object({ limit: qint(1, 250).optional(), next: z.string().max(64).optional() }),
  responses: { 200: { description: 'Auth log entries' } },
  async handler({ user, query, deps }) {
    if (query.next !== undefined && !objectId.safeParse(query.next).success) {
      throw badInput('query.next: not a cursor from this API');
    }
    const limit = query.limit ?? 50;
    const list = await deps.ctx.store.authlog.list(user, {
      limit,
      ...(query.next ? { before: query.next } : {}),
    });
    return {
      success: true,
      nextCursor: list.length === limit ? list[list.length - 1]!.id : false,
      results: list.map((e) => ({ ...e, created: e.created.toISOString() })),
    };
  },
});

export const aspRoutes: AnyRoute[] = [listAsps, createAsp, deleteAsp, authlog];
