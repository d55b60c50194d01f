// POST /authenticate: check a user's password and, with `token: true`, hand out a user token.
import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../registry.ts';
import { ApiError } from '../errors.ts';
import { successSchema } from '../schemas.ts';
import { tokenOf } from '../auth.ts';

const SCOPES = { master: 'api', api: 'api', imap: 'imap', pop3: 'pop3', smtp: 'smtp' } as const;

const authenticate = defineRoute({
  method: 'post',
  path: '/authenticate',
  tag: 'Authentication',
  summary: 'Check a password; optionally get a user token',
  description:
    'Failed attempts are counted per account (whichever of its names was used) and per client address, ' +
    'shared with IMAP and POP3; over a limit the answer is 429 with Retry-After. All are written to the auth log.',
  access: 'public',
  body: z
    .object({
      username: z.string().min(1).max(320),
      password: z.string().min(1).max(256),
      scope: z.enum(['master', 'api', 'imap', 'pop3', 'smtp']).default('master'),
      token: z.boolean().default(false),
      protocol: z.string().max(32).optional(),
      appId: z.string().max(256).optional(),
    })
    .strict(),
  responses: {
    200: {
      description: 'Authenticated',
      schema: z.object({
        success: z.literal(true),
        id: z.string(),
        username: z.string(),
        scope: z.string(),
        require2fa: z.literal(false),
        requirePasswordChange: z.literal(false),
        token: z.string().optional(),
      }),
    },
  },
  async handler({ body, req, deps }) {
    const outcome = await deps.ctx.auth.login({
      login: body.username,
      password: body.password,
      scope: SCOPES[body.scope],
      protocol: 'api',
      ip: req.ip ?? req.socket.remoteAddress ?? '',
    });
    if (!outcome.ok) {
      if (outcome.reason === 'throttled') {
        throw new ApiError(429, 'RateLimitedError', 'too many failed attempts; try again later', {
          'Retry-After': String(Math.max(1, Math.ceil(outcome.retryAfter))),
        });
      }
      throw new ApiError(403, 'AuthFailed', 'authentication failed');
    }
    const { auth } = outcome;
    const out: Record<string, unknown> = {
      success: true,
      id: auth.user,
      username: auth.username,
      scope: body.scope,
      require2fa: false,
      requirePasswordChange: false,
    };
    if (body.token) out.token = await deps.tokens.issue(auth.user, body.scope);
    return out;
  },
});

const logoutToken = defineRoute({
  method: 'delete',
  path: '/authenticate',
  tag: 'Authentication',
  summary: 'Revoke the user token this request carries',
  access: 'token',
  responses: { 200: { description: 'Revoked', schema: successSchema } },
  async handler({ req, principal, deps }) {
    const token = tokenOf(req);
    if (principal?.kind === 'user' && token) await deps.tokens.revoke(token);
    return { success: true };
  },
});

export const authenticateRoutes: AnyRoute[] = [authenticate, logoutToken];
