// Short per-document locks in Redis. FerretDB 1.x applies an update as read-then-write without a
// transaction (FerretDB issue #3040), so `$inc`, `findOneAndUpdate` and compare-and-set filters are
// not atomic there: concurrent writers lose updates. Every read-modify-write of a shared document
// (user counters, mailbox counters, attachment refcounts, the messages of one mailbox) therefore
// runs under its lock, on MongoDB too, so both back ends take the same code path.
//
// Lock order (never the other way round, never two of the inner ones at once):
//   [a sweep slice (`sweep`)  →]  messages of a mailbox (`mm:`)  →  one of: mailbox (`m:`),
//   user (`u:`), attachment (`f:`)
//
// Owners (docs/ARCHITECTURE.md §3): each process keeps a short heartbeat key alive while it runs,
// and a lock's value names that owner. A waiter that finds the lock's owner without a heartbeat
// (the process was killed) takes the lock over at once instead of waiting out the lock's TTL.
// `with` waits for a lock and holds it while a function runs; `hold` tries once and keeps the lock
// until released (POP3's maildrop lock, held for a whole session). Both renew it while held.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../notify/redis-keys.ts';

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
// Takes the lock if it is free or if its owner's heartbeat key is gone. Runs atomically, so the
// value checked is the value replaced. KEYS[1] lock; ARGV: new value, TTL, owner key prefix, own
// owner id. A value without an owner (written by an older version) is only ever freed by its TTL,
// and a process never takes over its own locks (its heartbeat may only be late after a stall).
const ACQUIRE = `
local v = redis.call('get', KEYS[1])
if v then
  local owner = string.match(v, '^([0-9a-f]+):')
  if not owner or owner == ARGV[4] or redis.call('exists', ARGV[3] .. owner) == 1 then return 0 end
end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
if v then return 2 end
return 1`;

/** A lock taken by `hold`, kept (and renewed) until released. */
export interface HeldLock {
  release(): Promise<void>;
}

export class Locks {
  /** This process's owner id, named in the value of every lock it holds. */
  readonly owner = randomBytes(8).toString('hex');
  private heartbeat: NodeJS.Timeout | undefined;
  private registered: Promise<void> | undefined;
  /** Locks taken over from owners that were gone (for logs and tests). */
  takeovers = 0;
  /** Where a lost lease or a failing heartbeat is reported (the store's log). */
  log: (msg: string, fields: Record<string, unknown>) => void = () => undefined;
  private heartbeatFailing = false;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    /** Lock lifetime: a holder whose owner key is still alive but stopped renewing frees it after this long. */
    private readonly ttlMs = 15_000,
    /** Give up waiting after this long. */
    private readonly waitMs = 60_000,
    /**
     * Lifetime of the owner heartbeat key, refreshed every fifth of it: a killed process's locks
     * are taken over this long after its death. An event loop blocked longer than this would lose
     * its locks, so it is kept well above any pause the process should ever see.
     */
    private readonly ownerLeaseMs = 2_000,
  ) {}

  private ownerKey(id: string): string {
    return this.keys.owner(id);
  }

  private beat(): Promise<unknown> {
    return this.redis.set(this.ownerKey(this.owner), '1', 'PX', this.ownerLeaseMs);
  }

  /** Registers the heartbeat before the first lock is taken, then keeps it alive. */
  private register(): Promise<void> {
    this.registered ??= this.beat().then(() => {
      this.heartbeat = setInterval(
        () =>
          void this.beat().then(
            () => {
              this.heartbeatFailing = false;
            },
            (err: unknown) => {
              // once per outage: past the owner lease, waiters take this process's locks over
              if (this.heartbeatFailing) return;
              this.heartbeatFailing = true;
              this.log('lock owner heartbeat failed; locks held may be taken over', {
                owner: this.owner,
                err: String(err),
              });
            },
          ),
        Math.max(100, Math.floor(this.ownerLeaseMs / 5)),
      );
      this.heartbeat.unref();
    });
    return this.registered.catch((err: unknown) => {
      this.registered = undefined;
      throw err;
    });
  }

  /** Stops the heartbeat and removes the owner key (locks still held are then free to take). */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    if (!this.registered) return;
    this.registered = undefined;
    await this.redis.del(this.ownerKey(this.owner)).catch(() => undefined);
  }

  /** One try at the lock (taking it over when its owner is gone): true when it is now ours. */
  private async tryTake(key: string, value: string): Promise<boolean> {
    const got = (await this.redis.eval(
      ACQUIRE,
      1,
      key,
      value,
      String(this.ttlMs),
      this.keys.ownerPrefix,
      this.owner,
    )) as number;
    if (got === 2) this.takeovers++;
    return got > 0;
  }

  /** Renews the lease every TTL/3 until the returned function stops it and frees the lock. */
  private keep(name: string, key: string, value: string): () => Promise<void> {
    // the lease is renewed while held, so a slow database cannot let it lapse under a live
    // holder; a holder that died stops its heartbeat and its lock is taken over by the next waiter
    let told = false;
    const tell = (msg: string, err?: unknown) => {
      if (told) return;
      told = true;
      this.log(msg, { lock: name, owner: this.owner, ...(err === undefined ? {} : { err: String(err) }) });
    };
    const renew = setInterval(
      () =>
        void this.redis.eval(RENEW, 1, key, value, String(this.ttlMs)).then(
          (kept) => {
            if (Number(kept) === 0)
              tell('lock lost while held: another owner has it (a stall past the owner lease?)');
          },
          (err: unknown) => tell('lock renewal failed; the lease lapses after its TTL', err),
        ),
      Math.max(50, Math.floor(this.ttlMs / 3)),
    );
    renew.unref();
    return async () => {
      clearInterval(renew);
      await this.redis.eval(RELEASE, 1, key, value).catch(() => undefined);
    };
  }

  async with<T>(name: string, fn: () => Promise<T>): Promise<T> {
    await this.register();
    const key = this.keys.lock(name);
    const value = `${this.owner}:${randomBytes(12).toString('hex')}`;
    const deadline = Date.now() + this.waitMs;
    for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
      if (await this.tryTake(key, value)) break;
      if (Date.now() > deadline) throw new Error(`timed out waiting for lock ${name}`);
      await new Promise((r) => setTimeout(r, delay + Math.floor(Math.random() * delay)));
    }
    const release = this.keep(name, key, value);
    try {
      return await fn();
    } finally {
      // not waited for: this process's next command on the connection (a lock, a beacon) reaches
      // Redis after it, and a failed release only leaves the lock to its TTL or a takeover
      void release();
    }
  }

  /** Takes the lock without waiting: null when a live owner holds it. Kept until released. */
  async hold(name: string): Promise<HeldLock | null> {
    await this.register();
    const key = this.keys.lock(name);
    const value = `${this.owner}:${randomBytes(12).toString('hex')}`;
    if (!(await this.tryTake(key, value))) return null;
    let release: (() => Promise<void>) | null = this.keep(name, key, value);
    return {
      release: async () => {
        const r = release;
        release = null;
        if (r) await r();
      },
    };
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
  /** One slice of the sweep at a time per database; outermost, taken by nothing else. */
  sweep: 'sweep',
  /** Writing a mailbox's index checkpoint; taken alone, never with another lock. */
  mailboxIndex: (id: { toHexString(): string }) => `ix:${id.toHexString()}`,
  /** A user's POP3 maildrop (RFC 1939 §8), held for a whole session while the session's store
   * calls take the locks above; never waited for (`hold`), so it cannot close a cycle. */
  maildrop: (user: string) => `pop3:${user}`,
};
