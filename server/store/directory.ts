// Names that change rarely — addresses, users, filters, mailbox paths — answered from a
// per-process cache that holds while the directory version in Redis is the one its answers were
// read under. Every change of one of them replaces that version after its write
// (docs/ARCHITECTURE.md §3, "The directory version"), so a change made through any process counts
// from the next lookup, and a lookup costs one Redis GET instead of database reads.
import { ObjectId } from 'mongodb';
import type { Ctx } from './context.ts';

/** Marks every process's cached names stale; called after the change is written. A random token
 * rather than a counter: a Redis that restarts empty cannot count back to a value a cache was read
 * under. */
export async function directoryChanged(ctx: Pick<Ctx, 'redis' | 'opts'>): Promise<void> {
  await ctx.redis.set(ctx.opts.keys.directoryVersion, new ObjectId().toHexString());
}

/** An answer is read again after this long even if the version held: it bounds how long a change
 * whose version was never replaced (its process died between the two) stays unseen. */
const MAX_AGE_MS = 60_000;

export class DirectoryCache<V> {
  private version: string | null | undefined = undefined;
  private readonly cached = new Map<string, { at: number; value: V }>();

  /** `maxEntries`: a client asking for many names pushes out the oldest. */
  constructor(
    private readonly ctx: Pick<Ctx, 'redis' | 'opts'>,
    private readonly maxEntries: number,
  ) {}

  /** The directory version now: one Redis GET. */
  current(): Promise<string | null> {
    return this.ctx.redis.get(this.ctx.opts.keys.directoryVersion);
  }

  /**
   * The answer for `key`, from memory while the version holds, else from `read`. `asOf`, a
   * version read earlier (`current`), answers as of then instead of reading it again: a
   * change made after it counts from the next lookup without one.
   */
  async get(key: string, read: () => Promise<V>, asOf?: Promise<string | null>): Promise<V> {
    const version = await (asOf ?? this.current());
    if (version !== this.version) {
      this.cached.clear();
      this.version = version;
    }
    const hit = this.cached.get(key);
    if (hit && Date.now() - hit.at < MAX_AGE_MS) return hit.value;
    const value = await read();
    // kept only if no change was announced while reading: then it was read under `version`
    if (this.version === version) {
      this.cached.delete(key);
      if (this.cached.size >= this.maxEntries) this.cached.delete(this.cached.keys().next().value!);
      this.cached.set(key, { at: Date.now(), value });
    }
    return value;
  }
}
