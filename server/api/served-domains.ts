// The mail domains this server holds addresses in, for answers that must not speak for other
// domains (client autoconfig). Gathered through the store from every user's addresses, kept for a
// while, and read again on a miss at most every few seconds (at once after the API changed
// addresses), so a new address is found soon and a stream of unknown domains costs at most one
// reload per interval.
import { normalizeAddress, type Store } from '../store/index.ts';

/** How long a gathered list is used as it is. */
const FRESH_MS = 60_000;
/** A miss reloads the list only when it is at least this old. */
const MISS_RELOAD_MS = 5_000;
/** Users read per page while gathering. */
const PAGE = 100;

/** `Example.COM` or `xn--…` → the form addresses are stored in (lower case, IDN as Unicode). */
export function normalizeDomain(domain: string): string | null {
  try {
    return normalizeAddress(`x@${domain}`).split('@')[1]!;
  } catch {
    return null;
  }
}

export class ServedDomains {
  private domains = new Set<string>();
  private loadedAt = 0;
  private loading: Promise<void> | null = null;

  constructor(private readonly store: Store) {}

  /** The addresses changed through this process: the next question reads them again. */
  changed(): void {
    this.loadedAt = 0;
  }

  async has(domain: string): Promise<boolean> {
    const d = normalizeDomain(domain);
    if (!d) return false;
    const age = Date.now() - this.loadedAt;
    if (age > FRESH_MS || (!this.domains.has(d) && age > MISS_RELOAD_MS)) await this.reload();
    else if (this.loading) await this.loading;
    return this.domains.has(d);
  }

  private reload(): Promise<void> {
    this.loading ??= this.gather().finally(() => (this.loading = null));
    return this.loading;
  }

  private async gather(): Promise<void> {
    const found = new Set<string>();
    for (let skip = 0; ; skip += PAGE) {
      const { users } = await this.store.users.list({ limit: PAGE, skip });
      for (const u of users) {
        for (const a of await this.store.addresses.list(u.id)) found.add(a.address.split('@').pop()!);
      }
      if (users.length < PAGE) break;
    }
    this.domains = found;
    this.loadedAt = Date.now();
  }
}
