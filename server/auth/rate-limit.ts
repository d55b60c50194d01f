// Failed-login counters in Redis, per login name and per client IP (DESIGN §6), shared by every
// Nestbox process so a second host cannot be used to keep guessing.
import type { Redis } from 'ioredis';

export interface RateLimitOptions {
  /** Failures per login name within the window before that login is throttled. */
  userFailures: number;
  /** Failures per IP within the window before that IP is throttled. */
  ipFailures: number;
  windowSeconds: number;
  prefix: string;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = {
  userFailures: 10,
  ipFailures: 30,
  windowSeconds: 15 * 60,
  prefix: 'nestbox:authfail',
};

export class AuthRateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly opts: RateLimitOptions = DEFAULT_RATE_LIMIT,
  ) {}

  private keys(login: string, ip: string): [string, string] {
    return [`${this.opts.prefix}:u:${login.toLowerCase()}`, `${this.opts.prefix}:ip:${ip}`];
  }

  /** Seconds until the login or IP may try again; 0 when not throttled. */
  async retryAfter(login: string, ip: string): Promise<number> {
    const [userKey, ipKey] = this.keys(login, ip);
    const res = await this.redis.multi().get(userKey).ttl(userKey).get(ipKey).ttl(ipKey).exec();
    const value = (i: number) => Number((res?.[i]?.[1] as string | null) ?? 0);
    let wait = 0;
    if (value(0) >= this.opts.userFailures) wait = Math.max(wait, value(1));
    if (value(2) >= this.opts.ipFailures) wait = Math.max(wait, value(3));
    return wait > 0 ? wait : 0;
  }

  async recordFailure(login: string, ip: string): Promise<void> {
    const [userKey, ipKey] = this.keys(login, ip);
    const w = this.opts.windowSeconds;
    // NX: the window starts at the first failure and is not extended by later ones
    await this.redis.multi().incr(userKey).expire(userKey, w, 'NX').incr(ipKey).expire(ipKey, w, 'NX').exec();
  }

  /** A successful login clears the login's counter (the IP's stays: it may be guessing other names). */
  async recordSuccess(login: string): Promise<void> {
    await this.redis.del(this.keys(login, '')[0]);
  }
}
