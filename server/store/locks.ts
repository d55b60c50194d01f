// Short per-document locks in Redis. FerretDB 1.x applies an update as read-then-write without a
// transaction (FerretDB issue #3040), so `$inc`, `findOneAndUpdate` and compare-and-set filters are
// not atomic there: concurrent writers lose updates. Every read-modify-write of a shared document
// (user counters, mailbox counters, attachment refcounts, the messages of one mailbox) therefore
// runs under its lock, on MongoDB too, so both back ends take the same code path.
//
// Lock order (never the other way round, never two of the inner ones at once):
//   messages of a mailbox (`mm:`)  →  one of: mailbox (`m:`), user (`u:`), attachment (`f:`)
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

export class Locks {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** Lock lifetime: a holder that crashed frees it after this long. */
    private readonly ttlMs = 15_000,
    /** Give up waiting after this long. */
    private readonly waitMs = 60_000,
  ) {}

  async with<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const key = `${this.prefix}:lock:${name}`;
    const token = randomBytes(12).toString('hex');
    const deadline = Date.now() + this.waitMs;
    for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
      const ok = await this.redis.set(key, token, 'PX', this.ttlMs, 'NX');
      if (ok === 'OK') break;
      if (Date.now() > deadline) throw new Error(`timed out waiting for lock ${name}`);
      await new Promise((r) => setTimeout(r, delay + Math.floor(Math.random() * delay)));
    }
    // the lease is renewed while fn runs, so a slow database cannot let it lapse under a live
    // holder; only a holder that died stops renewing, and its lock is free after one TTL
    const renew = setInterval(
      () => void this.redis.eval(RENEW, 1, key, token, String(this.ttlMs)).catch(() => undefined),
      Math.max(50, Math.floor(this.ttlMs / 3)),
    );
    try {
      return await fn();
    } finally {
      clearInterval(renew);
      await this.redis.eval(RELEASE, 1, key, token).catch(() => undefined);
    }
  }
}

/** Takes several locks in a fixed (sorted) order, so two callers cannot deadlock. */
export function withAll<T>(locks: Locks, names: string[], fn: () => Promise<T>): Promise<T> {
  const sorted = [...new Set(names)].sort();
  const step = (i: number): Promise<T> =>
    i === sorted.length ? fn() : locks.with(sorted[i]!, () => step(i + 1));
  return step(0);
}

export const lockName = {
  user: (id: { toHexString(): string }) => `u:${id.toHexString()}`,
  mailbox: (id: { toHexString(): string }) => `m:${id.toHexString()}`,
  mailboxMessages: (id: { toHexString(): string }) => `mm:${id.toHexString()}`,
  file: (sha256: string) => `f:${sha256}`,
  /** Writing a mailbox's index checkpoint; taken alone, never with another lock. */
  mailboxIndex: (id: { toHexString(): string }) => `ix:${id.toHexString()}`,
};
