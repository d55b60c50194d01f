// Figures for the dashboard's overview, counted by the server (store.deliveries) so they are
// there when the page opens, not only while it is open.
import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../registry.ts';

const deliveries = defineRoute({
  method: 'get',
  path: '/stats/deliveries',
  tag: 'Events',
  summary: 'Messages delivered: in total, today, and per minute, each per door (LMTP, IMAP APPEND, API)',
  access: 'admin',
  query: z.object({ minutes: z.coerce.number().int().min(1).max(120).optional() }),
  responses: { 200: { description: 'Delivery counters' } },
  async handler({ query, deps }) {
    return { success: true, ...(await deps.ctx.store.deliveries.read(new Date(), query.minutes ?? 30)) };
  },
});

export const statsRoutes: AnyRoute[] = [deliveries];
