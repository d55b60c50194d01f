// One login path for IMAP, POP3 and the API: rate limit check, password or application password
// check in the store, auth log entry, log line and a live event for the dashboard.
import type { Redis } from 'ioredis';
import type { AuthResult, AuthScope, Store } from '../store/index.ts';
import type { AuthLog } from '../store/authlog.ts';
import type { Logger } from '../log/logger.ts';
import { AuthRateLimiter, DEFAULT_RATE_LIMIT, type RateLimitOptions } from './rate-limit.ts';

export type LoginOutcome =
  | { ok: true; auth: AuthResult }
  | { ok: false; reason: 'failed' }
  /** retryAfter: whole seconds until the account or address may try again. */
  | { ok: false; reason: 'throttled'; retryAfter: number };

export interface LoginAttempt {
  login: string;
  password: string;
  scope: AuthScope;
  /** Protocol name for the log: 'imap', 'pop3', 'api'. */
  protocol: string;
  ip: string;
}

/** Published on `<prefix>:auth` (RedisKeys.authChannel) for the dashboard's activity feed. */
export interface AuthEvent {
  type: 'auth';
  result: 'success' | 'failure' | 'throttled';
  user: string | null;
  login: string;
  protocol: string;
  ip: string;
  time: string;
}

export class Authenticator {
  readonly limiter: AuthRateLimiter;
  constructor(
    private readonly deps: { store: Store; authlog: AuthLog; redis: Redis; log: Logger },
    limits: RateLimitOptions = DEFAULT_RATE_LIMIT,
  ) {
    this.limiter = new AuthRateLimiter(deps.redis, { prefix: deps.store.keys.authFail, ...limits });
  }

  async login(a: LoginAttempt): Promise<LoginOutcome> {
    const { store, log } = this.deps;
    // counted per account, whichever of its names the login used, and per client address; an
    // unknown login counts against the address only
    const account = await store.users.resolveLogin(a.login);
    const waitMs = await this.limiter.take(account, a.ip);
    if (waitMs > 0) {
      await this.report(a, 'throttled', null, account);
      return { ok: false, reason: 'throttled', retryAfter: Math.max(1, Math.ceil(waitMs / 1000)) };
    }
    const auth = await store.users.authenticate(a.login, a.password, a.scope);
    if (!auth) {
      await this.limiter.failed(account, a.ip);
      await this.report(a, 'failure', null, account);
      return { ok: false, reason: 'failed' };
    }
    await this.limiter.succeeded(auth.user);
    await this.report(a, 'success', auth, auth.user);
    log.info(
      { user: auth.username, userId: auth.user, protocol: a.protocol, remote: a.ip, method: auth.method },
      'login',
    );
    return { ok: true, auth };
  }

  private async report(
    a: LoginAttempt,
    result: AuthEvent['result'],
    auth: AuthResult | null,
    account: string | null,
  ): Promise<void> {
    const { authlog, redis, log } = this.deps;
    if (result !== 'success') {
      log.warn({ user: a.login, protocol: a.protocol, remote: a.ip, result }, 'login failed');
    }
    const user = account ?? (await this.userOf(a.login));
    await authlog
      .record({
        user,
        login: a.login,
        protocol: a.protocol,
        ip: a.ip,
        result,
        ...(auth ? { method: auth.method, ...(auth.asp ? { asp: auth.asp } : {}) } : {}),
      })
      .catch((err: unknown) => log.error({ err }, 'auth log write failed'));
    const event: AuthEvent = {
      type: 'auth',
      result,
      user,
      login: a.login,
      protocol: a.protocol,
      ip: a.ip,
      time: new Date().toISOString(),
    };
    await redis.publish(this.deps.store.keys.authChannel, JSON.stringify(event)).catch(() => undefined);
  }

  /** The account a failed login was aimed at, so the user's auth log shows attempts on it. */
  private async userOf(login: string): Promise<string | null> {
    const { store } = this.deps;
    const byName = await store.users.getByUsername(login).catch(() => null);
    if (byName) return byName.id;
    const byAddress = await store.addresses.resolve(login).catch(() => null);
    return byAddress?.user ?? null;
  }
}
