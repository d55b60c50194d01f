// Who an LMTP recipient is: the address's user, whether the user is disabled, and the filters its
// delivery applies, kept under the directory version (directory.ts; docs/ARCHITECTURE.md §3,
// "Recipient lookups"). While nothing changes, a lookup is one Redis GET instead of two or three
// reads of the database.
import type { Ctx } from './context.ts';
import type { Addresses } from './addresses.ts';
import type { Users } from './users.ts';
import type { FilterInfo, Filters } from './filters.ts';
import type { RecipientInfo, RecipientsApi } from './index.ts';
import { DirectoryCache } from './directory.ts';

/** Addresses kept per process, unknown ones too; an MTA probing many pushes out the oldest. */
const MAX_ENTRIES = 10_000;

export class Recipients implements RecipientsApi {
  private readonly cache: DirectoryCache<RecipientInfo | null>;

  constructor(
    ctx: Ctx,
    private readonly addresses: Addresses,
    private readonly users: Users,
    private readonly filters: Filters,
  ) {
    this.cache = new DirectoryCache(ctx, MAX_ENTRIES);
  }

  directoryVersion(): Promise<string | null> {
    return this.cache.current();
  }

  lookup(address: string, asOf?: Promise<string | null>): Promise<RecipientInfo | null> {
    return this.cache.get(address, () => this.read(address), asOf);
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
