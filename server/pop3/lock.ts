// The maildrop lock (RFC 1939 §8: exclusive access while in TRANSACTION state), held in Redis so it
// works across processes and hosts. It expires unless refreshed, so a dead process cannot keep it.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { LOCK_REFRESH_MS, LOCK_TTL_MS } from './limits.ts';

const REFRESH = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export class MaildropLock {
  private timer: NodeJS.Timeout | undefined;
  private readonly token = randomBytes(12).toString('hex');
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    user: string,
  ) {
    this.key = `nestbox:pop3:lock:${user}`;
  }

  /** True when this session now holds the lock. */
  async acquire(): Promise<boolean> {
    const ok = await this.redis.set(this.key, this.token, 'PX', LOCK_TTL_MS, 'NX');
    if (ok !== 'OK') return false;
    this.timer = setInterval(() => {
      void this.redis.eval(REFRESH, 1, this.key, this.token, String(LOCK_TTL_MS)).catch(() => undefined);
    }, LOCK_REFRESH_MS);
    this.timer.unref();
    return true;
  }

  async release(): Promise<void> {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.redis.eval(RELEASE, 1, this.key, this.token).catch(() => undefined);
  }
}
