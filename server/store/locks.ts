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
// Callers of `with` in one process queue here for a lock, not in Redis: each hands it to the next
// as it is (no release, no take, no polling pause), up to MAX_HANDOVERS in a row.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../notify/redis-keys.ts';

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
// Takes the lock if it is free or if its owner's heartbeat key is gone. Runs atomically, so the
// value checked is the value replaced. KEYS[1] lock, KEYS[2] its waiter mark; ARGV: new value, TTL,
// owner key prefix, own owner id. A value without an owner (written by an older version) is only
// ever freed by its TTL, and a process never takes over its own locks (its heartbeat may only be
// late after a stall). A caller that finds the lock held and will try again marks itself as
// waiting (ARGV[5]: WAIT_MARK_MS, longer than its longest pause between tries, or 0); a free lock
// marked by another live owner is left to that owner, so a process handing a lock from caller to
// caller cannot keep it from the others.
const ACQUIRE = `
local v = redis.call('get', KEYS[1])
if v then
  local owner = string.match(v, '^([0-9a-f]+):')
  if not owner or owner == ARGV[4] or redis.call('exists', ARGV[3] .. owner) == 1 then
    if ARGV[5] ~= '0' then redis.call('set', KEYS[2], ARGV[4], 'PX', ARGV[5]) end
    return 0
  end
end
local w = redis.call('get', KEYS[2])
if w and w ~= ARGV[4] and redis.call('exists', ARGV[3] .. w) == 1 then return 0 end
if w then redis.call('del', KEYS[2]) end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
if v then return 2 end
return 1`;
/** How long a caller that found a lock held is first in line for it once it is free. */
const WAIT_MARK_MS = 250;

/** Times in a row a lock goes from one holder in this process to the next without a release. */
const MAX_HANDOVERS = 16;

/** A lock this process holds in Redis, renewed until released. */
interface Held {
  release: () => Promise<void>;
  /** A renewal found another owner's value: it is not ours to hand on. */
  lost: boolean;
}

/** This process's callers of `with` for one lock: the one taking or holding it, then the waiters. */
interface LocalTurn {
  waiters: Array<(held: Held | null) => void>;
  /** Hand-overs since the lock was last taken in Redis. */
  handovers: number;
}

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
  /** When the owner heartbeat last held. */
  private beatAt = 0;
  /** Locks this process's `with` callers take or hold, and who waits for them here. */
  private readonly local = new Map<string, LocalTurn>();

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
      this.beatAt = Date.now();
      this.heartbeat = setInterval(
        () =>
          void this.beat().then(
            () => {
              this.beatAt = Date.now();
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

  /** One try at the lock (taking it over when its owner is gone): true when it is now ours. A
   * caller that `waits` (tries again when refused) is marked as waiting for it. */
  private async tryTake(name: string, key: string, value: string, waits: boolean): Promise<boolean> {
    const got = (await this.redis.eval(
      ACQUIRE,
      2,
      key,
      this.keys.lockWaiting(name),
      value,
      String(this.ttlMs),
      this.keys.ownerPrefix,
      this.owner,
      waits ? String(WAIT_MARK_MS) : '0',
    )) as number;
    if (got === 2) this.takeovers++;
    return got > 0;
  }

  /** Renews the lease every TTL/3 until the returned function stops it and frees the lock. */
  private keep(name: string, key: string, value: string): Held {
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
            if (Number(kept) !== 0) return;
            held.lost = true;
            tell('lock lost while held: another owner has it (a stall past the owner lease?)');
          },
          (err: unknown) => tell('lock renewal failed; the lease lapses after its TTL', err),
        ),
      Math.max(50, Math.floor(this.ttlMs / 3)),
    );
    renew.unref();
    const held: Held = {
      lost: false,
      release: async () => {
        clearInterval(renew);
        await this.redis.eval(RELEASE, 1, key, value).catch(() => undefined);
      },
    };
    return held;
  }

  async with<T>(name: string, fn: () => Promise<T>): Promise<T> {
    await this.register();
    const deadline = Date.now() + this.waitMs;
    let turn = this.local.get(name);
    let held: Held | null = null;
    if (turn) held = await this.waitTurn(name, turn, deadline);
    else this.local.set(name, (turn = { waiters: [], handovers: 0 }));
    try {
      held ??= await this.take(name, deadline);
    } catch (err) {
      this.passOn(name, turn, null);
      throw err;
    }
    try {
      return await fn();
    } finally {
      this.passOn(name, turn, held);
    }
  }

  /** Waits in this process's queue for `name`: the lock as handed over, or null to take it. */
  private waitTurn(name: string, turn: LocalTurn, deadline: number): Promise<Held | null> {
    return new Promise<Held | null>((resolve, reject) => {
      const timer = setTimeout(
        () => {
          const i = turn.waiters.indexOf(waiter);
          if (i >= 0) turn.waiters.splice(i, 1);
          reject(new Error(`timed out waiting for lock ${name}`));
        },
        Math.max(0, deadline - Date.now()),
      );
      const waiter = (held: Held | null) => {
        clearTimeout(timer);
        resolve(held);
      };
      turn.waiters.push(waiter);
    });
  }

  /** Takes `name` in Redis, trying again with growing pauses until the deadline. */
  private async take(name: string, deadline: number): Promise<Held> {
    const key = this.keys.lock(name);
    const value = `${this.owner}:${randomBytes(12).toString('hex')}`;
    for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
      if (await this.tryTake(name, key, value, true)) break;
      if (Date.now() > deadline) throw new Error(`timed out waiting for lock ${name}`);
      await new Promise((r) => setTimeout(r, delay + Math.floor(Math.random() * delay)));
    }
    return this.keep(name, key, value);
  }

  /**
   * The holder of `name` in this process is done (or failed to take it): the next waiter here
   * gets the lock as it is, still renewed, without a release and a take in Redis; after
   * MAX_HANDOVERS in a row, or when it may have been taken over (a renewal found it lost, or the
   * heartbeat is late), it is released and the waiter takes it in Redis like anyone else.
   */
  private passOn(name: string, turn: LocalTurn, held: Held | null): void {
    const next = turn.waiters.shift();
    if (!next) {
      this.local.delete(name);
      // not waited for: this process's next command on the connection (a lock, a beacon) reaches
      // Redis after it, and a failed release only leaves the lock to its TTL or a takeover
      if (held) void held.release();
      return;
    }
    // a lock is handed on only while this process's heartbeat is fresh: after a stall past the
    // owner lease another process may have taken it over, and the next caller asks Redis
    const fresh = Date.now() - this.beatAt < this.ownerLeaseMs / 2;
    if (held && !held.lost && fresh && turn.handovers < MAX_HANDOVERS) {
      turn.handovers++;
      next(held);
      return;
    }
    turn.handovers = 0;
    if (held) void held.release();
    next(null);
  }

  /** Takes the lock without waiting: null when a live owner holds it. Kept until released. */
  async hold(name: string): Promise<HeldLock | null> {
    await this.register();
    if (this.local.has(name)) return null;
    const key = this.keys.lock(name);
    const value = `${this.owner}:${randomBytes(12).toString('hex')}`;
    if (!(await this.tryTake(name, key, value, false))) return null;
    let release: (() => Promise<void>) | null = this.keep(name, key, value).release;
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
