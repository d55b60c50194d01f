// Failed-login counters in Redis, per account and per client address (ARCHITECTURE §6), shared by
// every Nestbox process so a second host cannot be used to keep guessing.
//
// An account is counted by its id, whatever login string named it, so its aliases share one
// budget. Each attempt takes a ticket before the password is checked, atomically (one Lua script):
// parallel connections cannot all slip past a limit, and a success gives its ticket back.
import type { Redis } from 'ioredis';
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
  prefix: string;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = {
  accountFailures: AUTH_MAX_FAILURES_PER_ACCOUNT,
  ipFailures: AUTH_MAX_FAILURES_PER_IP,
  windowSeconds: AUTH_FAILURE_WINDOW_SECONDS,
  accountBackoffAfter: AUTH_BACKOFF_AFTER_ACCOUNT,
  ipBackoffAfter: AUTH_BACKOFF_AFTER_IP,
  backoffBaseMs: AUTH_BACKOFF_BASE_MS,
  backoffMaxMs: AUTH_BACKOFF_MAX_MS,
  prefix: 'nestbox:authfail',
};

// KEYS: pairs of (count, backoff) keys. ARGV[1]: window in ms; then per pair: limit, free failures,
// base delay ms, max delay ms. Returns the ms to wait (nothing counted), or 0 with the attempt
// counted. The backoff is set only once an attempt failed (FAIL): parallel logins that succeed
// (a client opening several connections) never delay each other.
const TAKE = `
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
if wait > 0 then return wait end
for i = 0, #KEYS / 2 - 1 do
  local n = redis.call('INCR', KEYS[2 * i + 1])
  if n == 1 then redis.call('PEXPIRE', KEYS[2 * i + 1], window) end
end
return 0
`;

// Same KEYS and ARGV as TAKE, after a counted attempt failed: each counter past its free failures
// delays the next attempt, doubling per failure.
const FAIL = `
for i = 0, #KEYS / 2 - 1 do
  local n = tonumber(redis.call('GET', KEYS[2 * i + 1]) or '0')
  local free = tonumber(ARGV[3 + 4 * i])
  if n > free then
    local d = math.min(tonumber(ARGV[4 + 4 * i]) * 2 ^ (n - free - 1), tonumber(ARGV[5 + 4 * i]))
    if d >= 1 then redis.call('SET', KEYS[2 * i + 2], '1', 'PX', math.floor(d)) end
  end
end
return 0
`;

// KEYS[1], KEYS[2]: the account's count and backoff (cleared); KEYS[3]: the client address's count,
// which gets the successful attempt back.
const SUCCEED = `
redis.call('DEL', KEYS[1], KEYS[2])
if redis.call('DECR', KEYS[3]) <= 0 then redis.call('DEL', KEYS[3]) end
return 0
`;

export class AuthRateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly opts: RateLimitOptions = DEFAULT_RATE_LIMIT,
  ) {}

  private accountKeys(account: string): [string, string] {
    const k = `${this.opts.prefix}:acct:${account}`;
    return [k, `${k}:wait`];
  }

  private ipKeys(ip: string): [string, string] {
    const k = `${this.opts.prefix}:ip:${clientKey(ip)}`;
    return [k, `${k}:wait`];
  }

  /**
   * Counts a login attempt against the client address and, when the login names an account,
   * against that account. Returns 0 when the attempt may go ahead, else the milliseconds until
   * the next one may (a lockout or a backoff; this attempt is then not counted).
   */
  async take(account: string | null, ip: string): Promise<number> {
    const [keys, args] = this.keysAndArgs(account, ip);
    return Number(await this.redis.eval(TAKE, keys.length, ...keys, ...args));
  }

  /** A counted attempt failed: delays the next one once the free failures are used up. */
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

  /** A successful login clears the account's count and backoff, and gives the address its attempt back. */
  async succeeded(account: string, ip: string): Promise<void> {
    await this.redis.eval(SUCCEED, 3, ...this.accountKeys(account), this.ipKeys(ip)[0]);
  }
}
