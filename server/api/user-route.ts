// Routes on one user's own data: `user` access, and a 404 for an unknown user before the handler runs.
import type { z } from 'zod';
import { defineRoute, type AnyObject, type RouteSpec } from './registry.ts';
import { requireUser } from './format.ts';

export function userRoute<
  P extends AnyObject = z.ZodObject<Record<string, never>>,
  Q extends AnyObject = z.ZodObject<Record<string, never>>,
  B extends z.ZodType = z.ZodUndefined,
>(spec: Omit<RouteSpec<P, Q, B>, 'access'>): RouteSpec<P, Q, B> {
  return defineRoute<P, Q, B>({
    ...spec,
    access: 'user',
    async handler(input) {
      await requireUser(input.deps, input.user);
      return spec.handler(input);
    },
  });
}
