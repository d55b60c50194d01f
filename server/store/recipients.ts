// Who an LMTP recipient is: the address's user, whether the user is disabled, and the filters its
// delivery applies. Answered from a per-process cache that holds while the directory version in
// Redis is the one it was read under; every change of an address, a user or a filter replaces
// that version after writing (docs/ARCHITECTURE.md §3, "Recipient lookups"). While nothing
// changes, a lookup is one Redis GET instead of two or three reads of the database.
import { ObjectId } from 'mongodb';
import type { Ctx } from './context.ts';
import type { Addresses } from './addresses.ts';
import type { Users } from './users.ts';
import type { FilterInfo, Filters } from './filters.ts';
import type { RecipientInfo, RecipientsApi } from './index.ts';

/** Entries kept per process; an MTA probing many addresses pushes out the oldest. */
const MAX_ENTRIES = 10_000;
/** A cached answer is read again after this long even if the version held: it bounds how long a
 * change whose version bump never happened (its process died between the two) stays unseen. */
const MAX_AGE_MS = 60_000;

/** Marks every process's cached recipients stale; called after the change is written. A random
 * token rather than a counter: a Redis that restarts empty cannot count back to a value a cache
 * was read under. */
export async function directoryChanged(ctx: Pick<Ctx, 'redis' | 'opts'>): Promise<void> {
  await ctx.redis.set(ctx.opts.keys.directoryVersion, new ObjectId().toHexString());
}

export class Recipients implements RecipientsApi {
  private version: string | null | undefined = undefined;
  private readonly cached = new Map<string, { at: number; info: RecipientInfo | null }>();

  constructor(
    private readonly ctx: Ctx,
    private readonly addresses: Addresses,
    private readonly users: Users,
    private readonly filters: Filters,
  ) {}

  async lookup(address: string): Promise<RecipientInfo | null> {
    const version = await this.ctx.redis.get(this.ctx.opts.keys.directoryVersion);
    if (version !== this.version) {
      this.cached.clear();
      this.version = version;
    }
    const hit = this.cached.get(address);
    if (hit && Date.now() - hit.at < MAX_AGE_MS) return hit.info;
    const info = await this.read(address);
    // kept only if no change was announced while reading: then it was read under `version`
    if (this.version === version) {
      this.cached.delete(address);
      if (this.cached.size >= MAX_ENTRIES) this.cached.delete(this.cached.keys().next().value!);
      this.cached.set(address, { at: Date.now(), info });
    }
    return info;
  }

  private async read(address: string): Promise<RecipientInfo | null> {
    const hit = await this.addresses.resolve(address);
    if (!hit) return null;
    const found = await this.users.recipient(hit.user);
    if (!found) return null;
    // the filters only for a user whose document says it may have some (docs/ARCHITECTURE.md §3)
    const filters: readonly FilterInfo[] =
      found.mayHaveFilters && !found.user.disabled ? await this.filters.list(hit.user) : [];
    return Object.freeze({
      user: hit.user,
      address: hit.address,
      disabled: found.user.disabled,
      filters: Object.freeze(filters.map((f) => Object.freeze(f))),
    });
  }
}
