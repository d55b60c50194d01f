// Who is calling: the admin token from the config, or a user token from POST /authenticate.
// User tokens live in Redis under their SHA-256 only, with a sliding lifetime, and are listed per user
// so a password change or account removal revokes all of them at once.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../notify/redis-keys.ts';
import { ApiError } from './errors.ts';

export type Principal = { kind: 'admin' } | { kind: 'user'; user: string; scope: string };

/** Idle time after which a user token stops working; every use starts the period again. */
export const TOKEN_TTL_SECONDS = 8 * 3600;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
export class TokenStore {
  private readonly tokenKey: (hash: string) => string;
  private readonly userKey: (user: string) => string;
  constructor(
    private readonly redis: Redis,
    keys: RedisKeys,
  ) {
    this.tokenKey = (hash) => keys.apiToken(hash);
    this.userKey = (user) => keys.apiUserTokens(user);
  }

  async issue(user: string, scope: string): Promise<string> {
    const token = randomBytes(20).toString('hex');
    const hash = sha256(token);
    await this.redis
      .multi()
      .set(this.tokenKey(hash), JSON.stringify({ user, scope, created: Date.now() }), 'EX', TOKEN_TTL_SECONDS)
      .sadd(this.userKey(user), hash)
      .expire(this.userKey(user), TOKEN_TTL_SECONDS)
      .exec();
    return token;
  }

  async resolve(token: string): Promise<{ user: string; scope: string } | null> {
    const hash = sha256(token);
    const res = await this.redis
      .multi()
      .get(this.tokenKey(hash))
      .expire(this.tokenKey(hash), TOKEN_TTL_SECONDS)
      .exec();
    const raw = res?.[0]?.[1];
    if (typeof raw !== 'string') return null;
    try {
      const v = JSON.parse(raw) as { user?: unknown; scope?: unknown };
      if (typeof v.user !== 'string') return null;
      await this.redis.expire(this.userKey(v.user), TOKEN_TTL_SECONDS);
      return { user: v.user, scope: typeof v.scope === 'string' ? v.scope : 'master' };
    } catch {
      return null;
    }
  }

  async revoke(token: string): Promise<void> {
    await this.redis.del(this.tokenKey(sha256(token)));
  }

  /** Revokes every token of a user; returns how many were live. */
  async revokeAll(user: string): Promise<number> {
    const hashes = await this.redis.smembers(this.userKey(user));
    if (hashes.length === 0) return 0;
    const deleted = await this.redis.del(...hashes.map(this.tokenKey));
    await this.redis.del(this.userKey(user));
    return deleted;
  }
}

/** The token from `X-Access-Token`, `Authorization: Bearer` or the `accessToken` query parameter. */
export function tokenOf(req: Request): string | null {
  const header = req.get('x-access-token');
  if (header) return header.trim();
  const authz = req.get('authorization');
  const m = authz ? /^Bearer\s+(\S+)\s*$/i.exec(authz) : null;
  if (m) return m[1]!;
  const q = (req.query as Record<string, unknown>).accessToken;
  return typeof q === 'string' && q ? q : null;
}

function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export async function principalOf(
  req: Request,
  adminToken: string,
  tokens: TokenStore,
): Promise<Principal | null> {
  const token = tokenOf(req);
  if (!token) return null;
  if (token.length > 512) return null;
  if (sameSecret(token, adminToken)) return { kind: 'admin' };
  const t = await tokens.resolve(token);
  return t ? { kind: 'user', user: t.user, scope: t.scope } : null;
}

export const unauthorized = (hasToken: boolean) =>
  new ApiError(
    401,
    hasToken ? 'InvalidToken' : 'MissingToken',
    hasToken ? 'the access token is not valid or has expired' : 'an access token is required',
    { 'WWW-Authenticate': 'Bearer realm="nestbox"' },
  );

/** What resolving `:user` needs from the store. */
export interface UserLookup {
  get(id: string): Promise<{ id: string } | null>;
  getByUsername(username: string): Promise<{ id: string } | null>;
}

/**
 * The id `:user` names: an id of an existing user, else the user with that username. A key that
 * names nobody comes back as it is, so the route answers 404 as for any unknown id.
 */
async function userIdOf(key: string, users: UserLookup): Promise<string> {
  if (/^[0-9a-f]{24}$/.test(key) && (await users.get(key))) return key;
  return (await users.getByUsername(key))?.id ?? key;
}

/**
 * Resolves `:user` (an id, a username or `me`) to a user id for the caller: admins reach every
 * user, a user token only its own. Another user answers 403.
 */
export async function resolveUserParam(
  principal: Principal,
  param: string,
  users: UserLookup,
): Promise<string> {
  const key = param.toLowerCase();
  if (principal.kind === 'admin') {
    if (key === 'me')
      throw new ApiError(400, 'InputValidationError', '"me" needs a user token, not the admin token');
    return userIdOf(key, users);
  }
  if (key === 'me' || key === principal.user) return principal.user;
  if ((await userIdOf(key, users)) === principal.user) return principal.user;
  throw new ApiError(403, 'Forbidden', 'this token belongs to another user');
}
