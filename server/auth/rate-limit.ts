// Failed-login counters in Redis, per account and per client address (ARCHITECTURE §6), shared by
// every Nestbox process so a second host cannot be used to keep guessing.
//
// An account is counted by its id, whatever login string named it, so its aliases share one
// budget. Only failures count; each check and each count is one Lua script.
import type { Redis } from 'ioredis';
import { RedisKeys } from '../notify/redis-keys.ts';
import {
  AUTH_BACKOFF_AFTER_ACCOUNT,
  AUTH_BACKOFF_AFTER_IP,
  AUTH_BACKOFF_BASE_MS,
  AUTH_BACKOFF_MAX_MS,
  AUTH_FAILURE_WINDOW_SECONDS,
  AUTH_MAX_FAILURES_PER_ACCOUNT,
  AUTH_MAX_FAILURES_PER_IP,
} from '../limits.ts';
import { clientKey } from '../client-address.ts';

export interface RateLimitOptions {
  /** Failures per account within the window before the account is locked until the window ends. */
  accountFailures: number;
  /** Failures per client address within the window before it is locked out. */
  ipFailures: number;
  windowSeconds: number;
  /** Failures that cost nothing before each further one delays the next attempt. */
  accountBackoffAfter: number;
  ipBackoffAfter: number;
  /** The first delay; it doubles with every further failure, up to backoffMaxMs. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Keys are `<prefix>:acct:…` and `<prefix>:ip:…`; by default the store's (RedisKeys.authFail). */
  prefix?: string;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = {
  accountFailures: AUTH_MAX_FAILURES_PER_ACCOUNT,
  ipFailures: AUTH_MAX_FAILURES_PER_IP,
  windowSeconds: AUTH_FAILURE_WINDOW_SECONDS,
  accountBackoffAfter: AUTH_BACKOFF_AFTER_ACCOUNT,
  ipBackoffAfter: AUTH_BACKOFF_AFTER_IP,
  backoffBaseMs: AUTH_BACKOFF_BASE_MS,
  backoffMaxMs: AUTH_BACKOFF_MAX_MS,
};

// KEYS: pairs of (failure count, backoff) keys. ARGV[1]: window in ms; then per pair: limit, free
// failures, base delay ms, max delay ms.
// CHECK returns the ms to wait before an attempt may go ahead (a lockout or a backoff), or 0. It
// counts nothing: only failures count, so logins that succeed, however many run in parallel (a
// client opening several connections), never hold each other up. Parallel guesses can pass the
// check together before their failures are counted; the connection limits bound how many.
const CHECK = `
local window = tonumber(ARGV[1])
local wait = 0
for i = 0, #KEYS / 2 - 1 do
  local n = tonumber(redis.call('GET', KEYS[2 * i + 1]) or '0')
  if n >= tonumber(ARGV[2 + 4 * i]) then
    local t = redis.call('PTTL', KEYS[2 * i + 1])
    if t < 0 then t = window end
    if t > wait then wait = t end
  end
  local b = redis.call('PTTL', KEYS[2 * i + 2])
  if b > wait then wait = b end
end
return wait
`;

// Same KEYS and ARGV, after an attempt failed: counts it, and each counter past its free failures
// delays the next attempt, doubling per failure.
const FAIL = `
local window = tonumber(ARGV[1])
for i = 0, #KEYS / 2 - 1 do
  local n = redis.call('INCR', KEYS[2 * i + 1])
  if n == 1 then redis.call('PEXPIRE', KEYS[2 * i + 1], window) end
  local free = tonumber(ARGV[3 + 4 * i])
  if n > free then
    local d = math.min(tonumber(ARGV[4 + 4 * i]) * 2 ^ (n - free - 1), tonumber(ARGV[5 + 4 * i]))
    if d >= 1 then redis.call('SET', KEYS[2 * i + 2], '1', 'PX', math.floor(d)) end
  end
end
return 0
`;

// KEYS[1], KEYS[2]: the account's count and backoff, cleared by a successful login.
const SUCCEED = `
redis.call('DEL', KEYS[1], KEYS[2])
return 0
`;

export class AuthRateLimiter {
  private readonly prefix: string;
  constructor(
    private readonly redis: Redis,
    private readonly opts: RateLimitOptions = DEFAULT_RATE_LIMIT,
  ) {
    this.prefix = opts.prefix ?? new RedisKeys().authFail;
  }

  private accountKeys(account: string): [string, string] {
    const k = `${this.prefix}:acct:${account}`;
    return [k, `${k}:wait`];
  }

  private ipKeys(ip: string): [string, string] {
    const k = `${this.prefix}:ip:${clientKey(ip)}`;
    return [k, `${k}:wait`];
  }

  /**
   * Whether a login attempt may go ahead for the client address and, when the login names an
   * account, that account: 0, else the milliseconds until one may (a lockout or a backoff).
   */
  async take(account: string | null, ip: string): Promise<number> {
    const [keys, args] = this.keysAndArgs(account, ip);
    return Number(await this.redis.eval(CHECK, keys.length, ...keys, ...args));
  }

  /** An attempt failed: counted against the address and the account; past the free failures
   * the next attempt waits. */
  async failed(account: string | null, ip: string): Promise<void> {
    const [keys, args] = this.keysAndArgs(account, ip);
    await this.redis.eval(FAIL, keys.length, ...keys, ...args);
  }

  private keysAndArgs(account: string | null, ip: string): [string[], Array<string | number>] {
    const o = this.opts;
    const keys = [...this.ipKeys(ip)];
    const args: Array<string | number> = [
      o.windowSeconds * 1000,
      o.ipFailures,
      o.ipBackoffAfter,
      o.backoffBaseMs,
      o.backoffMaxMs,
    ];
    if (account !== null) {
      keys.push(...this.accountKeys(account));
      args.push(o.accountFailures, o.accountBackoffAfter, o.backoffBaseMs, o.backoffMaxMs);
    }
    return [keys, args];
  }

  /** A successful login clears the account's failures and backoff (not the address's). */
  async succeeded(account: string): Promise<void> {
    await this.redis.eval(SUCCEED, 2, ...this.accountKeys(account));
  }
}
