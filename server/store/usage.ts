// What users without limits use (storageUsed, messagesUsed), added up in memory and written a
// moment later in one update per user (docs/ARCHITECTURE.md §3, "Usage of users without limits").
// A user with a quota or a message limit has each change reserved against it before the change,
// as before; one without either cannot be refused, so its counts need not be written on the
// change's path. Each counted write of a user document is still one `$inc` under the user's lock.
// What a process that dies leaves unwritten (at most USAGE_DELAY_MS of changes) the sweep recounts.
import type { ObjectId } from 'mongodb';
import type { Ctx } from './context.ts';
import { DirectoryCache } from './directory.ts';
import { lockName } from './locks.ts';
import { oid } from './ids.ts';

/** How long changes are added up before they are written: a busy user's deliveries, APPENDs and
 * expunges in that time become one update. */
export const USAGE_DELAY_MS = 100;
/** A failed write is tried again after this long (the changes stay added up meanwhile). */
const RETRY_MS = 1000;
/** Users whose limits are kept per process. */
const MAX_USERS = 10_000;

interface Delta {
  bytes: number;
  count: number;
}

/** One `$inc` of a user's counts, under the user's lock (every update of a user document is); the
 * message count only where it is kept: a user stored before it existed is counted when read. */
async function incUsage(
  ctx: Pick<Ctx, 'users' | 'locks'>,
  id: ObjectId,
  bytes: number,
  count: number,
): Promise<void> {
  await ctx.locks.with(lockName.user(id), async () => {
    const res = await ctx.users.updateOne(
      { _id: id, messagesUsed: { $exists: true } },
      { $inc: { storageUsed: bytes, messagesUsed: count } },
    );
    if (res.matchedCount === 0) await ctx.users.updateOne({ _id: id }, { $inc: { storageUsed: bytes } });
  });
}

export class Usage {
  private readonly pending = new Map<string, Delta>();
  private readonly writing = new Map<string, Promise<void>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Whether a user has neither quota nor message limit and keeps its message count. */
  private readonly unlimitedUsers: DirectoryCache<boolean>;

  constructor(private readonly ctx: Pick<Ctx, 'redis' | 'opts' | 'users' | 'locks'>) {
    this.unlimitedUsers = new DirectoryCache(ctx, MAX_USERS);
  }

  /** True when the user's changes may be counted here: no quota, no message limit, a message
   * count kept (a limit set through any process counts from the next change: directory.ts). */
  unlimited(user: ObjectId): Promise<boolean> {
    return this.unlimitedUsers.get(user.toHexString(), async () => {
      const u = await this.ctx.users.findOne(
        { _id: user },
        { projection: { quota: 1, messageQuota: 1, messagesUsed: 1 } },
      );
      return !!u && u.quota === 0 && (u.messageQuota ?? 0) === 0 && u.messagesUsed !== undefined;
    });
  }

  /** Gives back what removed messages, or a reservation not used, held: counted here for a user
   * without limits, written now for any other. */
  async giveBack(user: ObjectId, bytes: number, count: number): Promise<void> {
    if (!bytes && !count) return;
    if (await this.unlimited(user)) return this.add(user, -bytes, -count);
    await incUsage(this.ctx, user, -bytes, -count);
  }

  /** Counts a change (negative for what is given back); written within USAGE_DELAY_MS. */
  add(user: ObjectId, bytes: number, count: number): void {
    if (!bytes && !count) return;
    const hex = user.toHexString();
    const d = this.pending.get(hex) ?? { bytes: 0, count: 0 };
    d.bytes += bytes;
    d.count += count;
    this.pending.set(hex, d);
    this.schedule(hex, USAGE_DELAY_MS);
  }

  /** Whether this process has counts of the user not yet in the user document (`flush` writes them). */
  holds(user: ObjectId): boolean {
    const hex = user.toHexString();
    return this.pending.has(hex) || this.writing.has(hex);
  }

  /** Writes what this process added up for the user (or every user), and waits for writes under
   * way: a read of the user document after it sees this process's changes. */
  async flush(user?: ObjectId | string): Promise<void> {
    const users =
      user === undefined
        ? [...new Set([...this.pending.keys(), ...this.writing.keys()])]
        : [typeof user === 'string' ? user : user.toHexString()];
    await Promise.all(users.map((u) => this.write(u)));
  }

  private schedule(hex: string, ms: number): void {
    if (this.timers.has(hex)) return;
    const timer = setTimeout(() => {
      this.timers.delete(hex);
      void this.write(hex);
    }, ms);
    timer.unref();
    this.timers.set(hex, timer);
  }

  /** One write at a time per user: what is added meanwhile goes with the next. */
  private write(hex: string): Promise<void> {
    const before = this.writing.get(hex) ?? Promise.resolve();
    const next = before.then(() => this.writeNow(hex));
    this.writing.set(hex, next);
    void next.finally(() => {
      if (this.writing.get(hex) === next) this.writing.delete(hex);
    });
    return next;
  }

  private async writeNow(hex: string): Promise<void> {
    const d = this.pending.get(hex);
    const id = oid(hex);
    if (!d || !id) return;
    this.pending.delete(hex);
    const timer = this.timers.get(hex);
    if (timer) clearTimeout(timer);
    this.timers.delete(hex);
    try {
      await incUsage(this.ctx, id, d.bytes, d.count);
    } catch (err) {
      // kept for the next try; the sweep recounts if the process ends first
      const now = this.pending.get(hex) ?? { bytes: 0, count: 0 };
      this.pending.set(hex, { bytes: now.bytes + d.bytes, count: now.count + d.count });
      this.ctx.opts.log('usage could not be written; trying again', { user: hex, err: String(err) });
      this.schedule(hex, RETRY_MS);
    }
  }
}
