// Delivery filters and the vacation autoreply (stored by server/store/filters.ts and autoreply.ts).
import { z } from 'zod';
import { withoutSessionFields, type AnyRoute } from '../registry.ts';
import { objectId, successIdSchema, successSchema, userParam } from '../schemas.ts';
import { notFound } from '../errors.ts';
import { userRoute } from '../user-route.ts';
import {
  filterInputSchema,
  filterUpdateSchema,
  MAX_FILTERS_PER_USER,
  type FilterInfo,
} from '../../store/filters.ts';
import { autoreplyInputSchema, type AutoreplyInfo } from '../../store/autoreply.ts';

const filterJson = (f: FilterInfo) => ({
  id: f.id,
  name: f.name,
  query: f.query,
  action: f.action,
  disabled: f.disabled,
  created: f.created.toISOString(),
});

const userOnly = z.object({ user: userParam });
const filterParams = z.object({ user: userParam, filter: objectId });

const listFilters = userRoute({
  method: 'get',
  path: '/users/:user/filters',
  tag: 'Filters',
  summary: "A user's delivery filters, in the order they apply",
  params: userOnly,
  responses: { 200: { description: 'Filters' } },
  async handler({ user, deps }) {
    const list = await deps.ctx.store.filters.list(user);
    return {
      success: true,
      limits: { allowed: MAX_FILTERS_PER_USER, used: list.length },
      results: list.map(filterJson),
    };
  },
});

const createFilter = userRoute({
  method: 'post',
  path: '/users/:user/filters',
  tag: 'Filters',
  summary: 'Create a filter',
  description:
    'Forwarding (`action.targets`) needs an SMTP relay: without one the answer is 409 RELAY_REQUIRED. ' +
    "`action.mailbox` must be one of the user's own mailboxes, else 404 NoSuchMailbox.",
  params: userOnly,
  body: filterInputSchema,
  responses: { 200: { description: 'Created', schema: successIdSchema } },
  async handler({ user, body, deps }) {
    const input = withoutSessionFields(body);
    const f = await deps.ctx.store.filters.create(user, input);
    return { success: true, id: f.id };
  },
});

const getFilter = userRoute({
  method: 'get',
  path: '/users/:user/filters/:filter',
  tag: 'Filters',
  summary: 'One filter',
  params: filterParams,
  responses: { 200: { description: 'The filter' } },
  async handler({ user, params, deps }) {
    const f = await deps.ctx.store.filters.get(user, params.filter);
    if (!f) throw notFound('FilterNotFound', 'no such filter');
    return { success: true, ...filterJson(f) };
  },
});

const updateFilter = userRoute({
  method: 'put',
  path: '/users/:user/filters/:filter',
  tag: 'Filters',
  summary: 'Change a filter',
  description: "`action.mailbox` must be one of the user's own mailboxes, else 404 NoSuchMailbox.",
  params: filterParams,
  body: filterUpdateSchema,
  responses: { 200: { description: 'Changed', schema: successSchema } },
  async handler({ user, params, body, deps }) {
    const input = withoutSessionFields(body);
    const f = await deps.ctx.store.filters.update(user, params.filter, input);
    if (!f) throw notFound('FilterNotFound', 'no such filter');
    return { success: true };
  },
});

const deleteFilter = userRoute({
  method: 'delete',
  path: '/users/:user/filters/:filter',
  tag: 'Filters',
  summary: 'Delete a filter',
  params: filterParams,
  responses: { 200: { description: 'Deleted', schema: successSchema } },
  async handler({ user, params, deps }) {
    if (!(await deps.ctx.store.filters.delete(user, params.filter)))
      throw notFound('FilterNotFound', 'no such filter');
    return { success: true };
  },
});

const autoreplyJson = (a: AutoreplyInfo) => ({
  status: a.status,
  name: a.name,
  subject: a.subject,
  text: a.text,
  html: a.html,
  start: a.start ? a.start.toISOString() : false,
  end: a.end ? a.end.toISOString() : false,
  created: a.updated ? a.updated.toISOString() : false,
});

const getAutoreply = userRoute({
  method: 'get',
  path: '/users/:user/autoreply',
  tag: 'Autoreply',
  summary: "The user's vacation reply",
  params: userOnly,
  responses: { 200: { description: 'The autoreply' } },
  async handler({ user, deps }) {
    return { success: true, ...autoreplyJson(await deps.ctx.store.autoreplies.get(user)) };
  },
});

const setAutoreply = userRoute({
  method: 'put',
  path: '/users/:user/autoreply',
  tag: 'Autoreply',
  summary: 'Set the vacation reply',
  description: 'Switching it on needs an SMTP relay: without one the answer is 409 RELAY_REQUIRED.',
  params: userOnly,
  body: autoreplyInputSchema,
  responses: { 200: { description: 'Saved', schema: successSchema } },
  async handler({ user, body, deps }) {
    const input = withoutSessionFields(body);
    await deps.ctx.store.autoreplies.set(user, input);
    return { success: true, id: user };
  },
});

const deleteAutoreply = userRoute({
  method: 'delete',
  path: '/users/:user/autoreply',
  tag: 'Autoreply',
  summary: 'Remove the vacation reply',
  params: userOnly,
  responses: { 200: { description: 'Removed', schema: successSchema } },
  async handler({ user, deps }) {
    await deps.ctx.store.autoreplies.delete(user);
    return { success: true };
  },
});

export const ruleRoutes: AnyRoute[] = [
  listFilters,
  createFilter,
  getFilter,
  updateFilter,
  deleteFilter,
  getAutoreply,
  setAutoreply,
  deleteAutoreply,
];
