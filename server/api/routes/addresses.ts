// Addresses of a user, and resolving an address to its user.
import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../registry.ts';
import { successIdSchema, successSchema, userParam } from '../schemas.ts';
import { addressJson, requireUser } from '../format.ts';
import { ApiError, notFound } from '../errors.ts';
import type { ApiDeps } from '../registry.ts';
import {
  normalizeAddress,
  isStoreError,
  type AddressClaimProblem,
  type AddressInfo,
} from '../../store/index.ts';

const addressParam = z.string().min(1).max(320);
const addressOut = z.object({ id: z.string(), address: z.string(), main: z.boolean(), created: z.string() });

/** `:address` is an address id or the address itself. */
async function findAddress(deps: ApiDeps, user: string, key: string): Promise<AddressInfo> {
  const list = await deps.ctx.store.addresses.list(user);
  let normal: string | null = null;
  try {
    normal = key.includes('@') ? normalizeAddress(key) : null;
  } catch (err) {
    if (!isStoreError(err)) throw err;
  }
  const found = list.find((a) => a.id === key.toLowerCase() || (normal !== null && a.address === normal));
  if (!found) throw notFound('AddressNotFound', 'no such address for this user');
  return found;
}

const listAddresses = defineRoute({
  method: 'get',
  path: '/users/:user/addresses',
  tag: 'Addresses',
  summary: "A user's addresses",
  access: 'user',
  params: z.object({ user: userParam }),
  responses: {
    200: {
      description: 'Addresses',
      schema: z.object({ success: z.literal(true), results: z.array(addressOut) }),
    },
  },
  async handler({ user, deps }) {
    const u = await requireUser(deps, user);
    const list = await deps.ctx.store.addresses.list(user);
    return { success: true, results: list.map((a) => addressJson(a, u.address)) };
  },
});

/** A user adding an address themselves: the refusal and its stable code. */
function claimRefusal(problem: AddressClaimProblem, address: string): ApiError {
  const domain = address.slice(address.lastIndexOf('@') + 1);
  switch (problem) {
    case 'catch-all':
      return new ApiError(403, 'CatchAllAdminOnly', 'only an administrator may add a catch-all address');
    case 'foreign-domain':
      return new ApiError(
        403,
        'DomainNotServed',
        `${domain} is not a domain this server serves; only an administrator may add its first address`,
      );
    case 'taken':
      return new ApiError(409, 'AddressInUse', 'this address, or a +tag form of it, belongs to another user');
  }
}

const addAddress = defineRoute({
  method: 'post',
  path: '/users/:user/addresses',
  tag: 'Addresses',
  summary: 'Add an address (`*@domain` is a catch-all)',
  description:
    "A user's own token may add addresses only in domains the server already has addresses in, and " +
    'none that another user holds with or without a +tag (403 CatchAllAdminOnly, 403 DomainNotServed, ' +
    '409 AddressInUse); catch-alls and new domains need the admin token.',
  access: 'user',
  params: z.object({ user: userParam }),
  body: z.object({ address: z.string().min(3).max(320), main: z.boolean().optional() }).strict(),
  responses: { 200: { description: 'Added', schema: successIdSchema } },
  async handler({ user, body, principal, deps }) {
    await requireUser(deps, user);
    if (principal?.kind !== 'admin') {
      const problem = await deps.ctx.store.addresses.claimProblem(user, body.address);
      if (problem) throw claimRefusal(problem, normalizeAddress(body.address));
    }
    const a = await deps.ctx.store.addresses.add(user, body.address, { main: body.main ?? false });
    deps.domains.changed();
    return { success: true, id: a.id };
  },
});

const getAddress = defineRoute({
  method: 'get',
  path: '/users/:user/addresses/:address',
  tag: 'Addresses',
  summary: 'One address, by id or by the address itself',
  access: 'user',
  params: z.object({ user: userParam, address: addressParam }),
  responses: { 200: { description: 'The address', schema: addressOut.extend({ success: z.literal(true) }) } },
  async handler({ user, params, deps }) {
    const u = await requireUser(deps, user);
    const a = await findAddress(deps, user, params.address);
    return { success: true, ...addressJson(a, u.address) };
  },
});

const updateAddress = defineRoute({
  method: 'put',
  path: '/users/:user/addresses/:address',
  tag: 'Addresses',
  summary: 'Make an address the primary one',
  access: 'user',
  params: z.object({ user: userParam, address: addressParam }),
  body: z.object({ main: z.literal(true) }).strict(),
  responses: { 200: { description: 'Changed', schema: successSchema } },
  async handler({ user, params, deps }) {
    await requireUser(deps, user);
    const a = await findAddress(deps, user, params.address);
    await deps.ctx.store.users.update(user, { address: a.address });
    return { success: true };
  },
});

const deleteAddress = defineRoute({
  method: 'delete',
  path: '/users/:user/addresses/:address',
  tag: 'Addresses',
  summary: 'Remove an address',
  access: 'user',
  params: z.object({ user: userParam, address: addressParam }),
  responses: { 200: { description: 'Removed', schema: successSchema } },
  async handler({ user, params, deps }) {
    await requireUser(deps, user);
    const a = await findAddress(deps, user, params.address);
    if (!(await deps.ctx.store.addresses.delete(user, a.address)))
      throw notFound('AddressNotFound', 'no such address');
    deps.domains.changed();
    return { success: true };
  },
});

const resolveAddress = defineRoute({
  method: 'get',
  path: '/addresses/resolve/:address',
  tag: 'Addresses',
  summary: 'Which user mail for an address goes to (+tags and catch-alls included)',
  access: 'admin',
  params: z.object({ address: addressParam }),
  responses: {
    200: {
      description: 'The user',
      schema: z.object({ success: z.literal(true), id: z.string(), address: z.string(), user: z.string() }),
    },
  },
  async handler({ params, deps }) {
    let r: { user: string; address: string } | null = null;
    try {
      r = await deps.ctx.store.addresses.resolve(params.address);
    } catch (err) {
      if (!isStoreError(err, 'INVALID')) throw err;
    }
    if (!r) throw notFound('AddressNotFound', 'no user receives mail for this address');
    const info = await deps.ctx.store.addresses.get(r.address);
    return { success: true, id: info?.id ?? '', address: r.address, user: r.user };
  },
});

export const addressRoutes: AnyRoute[] = [
  listAddresses,
  addAddress,
  getAddress,
  updateAddress,
  deleteAddress,
  resolveAddress,
];
