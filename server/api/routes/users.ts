// Users: list, create, read, update, delete, storage recount, log out everywhere.
import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../registry.ts';
import {
  decodeCursor,
  encodeCursor,
  pagingQuery,
  successIdSchema,
  successSchema,
  userParam,
} from '../schemas.ts';
import { ApiError, forbidden } from '../errors.ts';
import { requireUser, userSummary } from '../format.ts';
import { requestLogout } from '../../auth/logout.ts';

const username = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be letters, digits, . _ - starting with a letter or digit');
const password = z.string().min(1).max(256);
const quota = z
  .number()
  .int()
  .min(0)
  .max(2 ** 50);
/** Most messages the user may hold (RFC 9208 MESSAGE); 0 = unlimited. */
const messageQuota = z
  .number()
  .int()
  .min(0)
  .max(2 ** 50);
const name = z.string().max(256);
const address = z.string().min(3).max(320);

const userOut = z.object({
  id: z.string(),
  username: z.string(),
  name: z.string(),
  address: z.string(),
  quota: z.object({ allowed: z.number(), used: z.number() }),
  messages: z.object({ allowed: z.number(), used: z.number() }),
  disabled: z.boolean(),
});

const listUsers = defineRoute({
  method: 'get',
  path: '/users',
  tag: 'Users',
  summary: 'List users',
  access: 'admin',
  query: z.object({ query: z.string().max(128).optional(), ...pagingQuery }),
  responses: {
    200: {
      description: 'A page of users',
      schema: z.object({
        success: z.literal(true),
        total: z.number(),
        page: z.number(),
        previousCursor: z.union([z.string(), z.literal(false)]),
        nextCursor: z.union([z.string(), z.literal(false)]),
        results: z.array(userOut),
      }),
    },
  },
  async handler({ query, deps }) {
    const limit = query.limit ?? 20;
    const cursor = z.object({ skip: z.number().int().min(0).max(1e9) });
    let skip = query.page ? (query.page - 1) * limit : 0;
    const from = query.next ?? query.previous;
    if (from) {
      const c = decodeCursor(from, cursor);
      if (!c)
        throw new ApiError(400, 'InputValidationError', 'query.next/previous: not a cursor from this API');
      skip = c.skip;
    }
    const { total, users } = await deps.ctx.store.users.list({ query: query.query, limit, skip });
    return {
      success: true,
      query: query.query ?? '',
      total,
      page: Math.floor(skip / limit) + 1,
      previousCursor: skip > 0 ? encodeCursor({ skip: Math.max(0, skip - limit) }) : false,
      nextCursor: skip + users.length < total ? encodeCursor({ skip: skip + limit }) : false,
      results: users.map(userSummary),
    };
  },
});

const createUser = defineRoute({
  method: 'post',
  path: '/users',
  tag: 'Users',
  summary: 'Create a user with its default mailboxes',
  access: 'admin',
  body: z
    .object({
      username,
      password: password.nullable(),
      address: address.optional(),
      name: name.optional(),
      quota: quota.optional(),
      messageQuota: messageQuota.optional(),
      disabled: z.boolean().optional(),
    })
    .strict(),
  responses: { 200: { description: 'Created', schema: successIdSchema } },
  async handler({ body, deps }) {
    const u = await deps.ctx.store.users.create({
      username: body.username,
      password: body.password,
      ...(body.address !== undefined ? { address: body.address } : {}),
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.quota !== undefined ? { quota: body.quota } : {}),
      ...(body.messageQuota !== undefined ? { messageQuota: body.messageQuota } : {}),
      ...(body.disabled !== undefined ? { disabled: body.disabled } : {}),
    });
    deps.domains.changed();
    return { success: true, id: u.id };
  },
});

const userPath = { params: z.object({ user: userParam }) };

const getUser = defineRoute({
  method: 'get',
  path: '/users/:user',
  tag: 'Users',
  summary: 'One user',
  access: 'user',
  ...userPath,
  responses: { 200: { description: 'The user' } },
  async handler({ user, deps }) {
    const u = await requireUser(deps, user);
    const s = userSummary(u);
    return {
      success: true,
      id: s.id,
      username: s.username,
      name: s.name,
      address: s.address,
      limits: { quota: s.quota, messages: s.messages },
      disabled: s.disabled,
      activated: true,
      hasPasswordSet: s.hasPasswordSet,
      created: s.created,
    };
  },
});

const updateUser = defineRoute({
  method: 'put',
  path: '/users/:user',
  tag: 'Users',
  summary: 'Change a user',
  description:
    'A user token may change name, address and password (with existingPassword when the account has one); ' +
    'quota, messageQuota and disabled need the admin token. A new password revokes every user token of the account ' +
    'and logs out its IMAP and POP3 sessions.',
  access: 'user',
  ...userPath,
  body: z
    .object({
      name: name.optional(),
      password: password.nullable().optional(),
      existingPassword: password.optional(),
      quota: quota.optional(),
      messageQuota: messageQuota.optional(),
      disabled: z.boolean().optional(),
      address: address.optional(),
    })
    .strict(),
  responses: { 200: { description: 'Changed', schema: successSchema } },
  async handler({ user, body, principal, deps }) {
    const current = await requireUser(deps, user);
    const isAdmin = principal?.kind === 'admin';
    if (
      !isAdmin &&
      (body.quota !== undefined || body.messageQuota !== undefined || body.disabled !== undefined)
    ) {
      throw forbidden('quota, messageQuota and disabled need the admin token');
    }
    if (
      body.existingPassword !== undefined ||
      (!isAdmin && body.password !== undefined && current.hasPassword)
    ) {
      const ok = body.existingPassword
        ? await deps.ctx.store.users.verifyPassword(user, body.existingPassword, 'api')
        : null;
      if (!ok || ok.method !== 'password')
        throw new ApiError(403, 'AuthFailed', 'existingPassword is not right');
    }
    const { existingPassword: _e, ...changes } = body;
    const clean = Object.fromEntries(
      Object.entries(changes).filter(([k, v]) => v !== undefined && k !== 'sess' && k !== 'ip'),
    );
    await deps.ctx.store.users.update(user, clean);
    if (body.password !== undefined) {
      await deps.tokens.revokeAll(user);
      await requestLogout(deps.ctx.backends.redis, deps.ctx.store.keys, { user, reason: 'password changed' });
    }
    if (body.disabled === true) {
      await requestLogout(deps.ctx.backends.redis, deps.ctx.store.keys, { user, reason: 'account disabled' });
    }
    return { success: true };
  },
});

const deleteUser = defineRoute({
  method: 'delete',
  path: '/users/:user',
  tag: 'Users',
  summary: 'Delete a user and all of its mail',
  access: 'admin',
  ...userPath,
  responses: { 200: { description: 'Deleted', schema: successSchema } },
  async handler({ user, deps }) {
    await requireUser(deps, user);
    await requestLogout(deps.ctx.backends.redis, deps.ctx.store.keys, { user, reason: 'account deleted' });
    await deps.ctx.store.users.delete(user);
    deps.domains.changed();
    await deps.tokens.revokeAll(user);
    return { success: true };
  },
});

const recountQuota = defineRoute({
  method: 'post',
  path: '/users/:user/quota/reset',
  tag: 'Users',
  summary: 'Recount the storage a user uses',
  access: 'user',
  ...userPath,
  body: z.object({}).strict(),
  responses: {
    200: {
      description: 'New and previous storage use',
      schema: z.object({
        success: z.literal(true),
        storageUsed: z.number(),
        previousStorageUsed: z.number(),
      }),
    },
  },
  async handler({ user, deps }) {
    const before = await requireUser(deps, user);
    const storageUsed = await deps.ctx.store.users.recountStorage(user);
    return { success: true, storageUsed, previousStorageUsed: before.storageUsed };
  },
});

const logoutUser = defineRoute({
  method: 'put',
  path: '/users/:user/logout',
  tag: 'Users',
  summary: 'Log the user out of every IMAP and POP3 session',
  access: 'user',
  ...userPath,
  body: z.object({ reason: z.string().max(256).optional() }).strict(),
  responses: { 200: { description: 'Requested', schema: successSchema } },
  async handler({ user, body, deps }) {
    await requireUser(deps, user);
    await requestLogout(deps.ctx.backends.redis, deps.ctx.store.keys, {
      user,
      reason: body.reason ?? 'logout requested',
    });
    return { success: true };
  },
});

export const userRoutes: AnyRoute[] = [
  listUsers,
  createUser,
  getUser,
  updateUser,
  deleteUser,
  recountQuota,
  logoutUser,
];
