// Every Redis key and pub/sub channel Nestbox uses, under one prefix (docs/ARCHITECTURE.md §3,
// "Redis keys"). Processes that serve one database must share the prefix (their locks, beacons and
// counters meet under it); two installations on one Redis keep apart by choosing different ones.
// It lives beside the notifier because that is the lowest layer every user of Redis already
// depends on: the store, the notifier and the protocol services import it, and it imports nothing.
//
// The spellings are those earlier versions wrote, so data under the default prefix keeps working.

/** The prefix when none is configured. */
export const DEFAULT_REDIS_PREFIX = 'nestbox';

/** Letters, digits and `_ . -`: a prefix never contains the `:` that separates the parts. */
const PREFIX_RE = /^[A-Za-z0-9_.-]{1,64}$/;

export function isValidRedisPrefix(prefix: string): boolean {
  return PREFIX_RE.test(prefix);
}

export class RedisKeys {
  constructor(readonly prefix: string = DEFAULT_REDIS_PREFIX) {
    if (!isValidRedisPrefix(prefix))
      throw new Error(`bad Redis prefix ${JSON.stringify(prefix)}: use 1-64 of A-Z a-z 0-9 _ . -`);
  }

  private key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  // --- beacons (server/notify/index.ts) ---
  /** One user's beacons. */
  userChannel(user: string): string {
    return this.key('u', user);
  }
  /** Every user's beacons (mailbox indexes, the dashboard). */
  get eventsChannel(): string {
    return this.key('events');
  }
  /** The highest MODSEQ announced for a mailbox, or `gone` once it is deleted; the mailbox
   * indexes read it instead of the mailbox document (server/notify/index.ts `announced`). */
  announcedModseq(mailbox: string): string {
    return this.key('modseq', mailbox);
  }

  // --- locks (server/store/locks.ts) ---
  lock(name: string): string {
    return this.key('lock', name);
  }
  /** Which owner last found the lock held and waits for it (locks.ts, ACQUIRE). */
  lockWaiting(name: string): string {
    return this.key('lockwait', name);
  }
  /** The heartbeat of a lock owner; `ownerPrefix + id`. */
  get ownerPrefix(): string {
    return this.key('owner', '');
  }
  owner(id: string): string {
    return this.key('owner', id);
  }

  // --- store maintenance and counters ---
  /** Sweep cursor and tallies (server/store/sweep.ts). */
  sweep(part: 'state' | 'refs' | 'sizes' | 'counts' | 'uid' | 'modseq'): string {
    return this.key('sweep', part);
  }
  /** Delivery counters (server/store/delivery-stats.ts). */
  deliveries(...parts: string[]): string {
    return this.key('stats', 'deliveries', ...parts);
  }

  /** Replaced by every change of an address, a user, a filter or a mailbox path
   * (server/store/directory.ts). */
  get directoryVersion(): string {
    return this.key('directory', 'version');
  }

  // --- protocol services ---
  /** IMAP \Recent high-water mark of a mailbox (server/imap/recent.ts). */
  recent(mailbox: string): string {
    return this.key('imap', 'recent', mailbox);
  }
  /** RFC 3834 once-per-period mark of an autoreply (server/lmtp/vacation.ts). */
  vacation(user: string, sender: string): string {
    return this.key('vacation', user, sender);
  }
  /** Failed-login counters and backoffs (server/auth/rate-limit.ts): `<authFail>:acct:…`. */
  get authFail(): string {
    return this.key('authfail');
  }
  /** Login events for the dashboard (server/auth/authenticator.ts). */
  get authChannel(): string {
    return this.key('auth');
  }
  /** Requests to end a user's sessions (server/auth/logout.ts). */
  get logoutChannel(): string {
    return this.key('logout');
  }
  /** API activity for the dashboard (server/api/event-bus.ts). */
  get apiEventsChannel(): string {
    return this.key('api-events');
  }
  /** A user token by its hash, and the set of a user's tokens (server/api/auth.ts). */
  apiToken(hash: string): string {
    return this.key('api', 'token', hash);
  }
  apiUserTokens(user: string): string {
    return this.key('api', 'user-tokens', user);
  }
}
