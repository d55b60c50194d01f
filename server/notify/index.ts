// Change journal (MongoDB, the truth) and beacons (Redis pub/sub, only the doorbell).
// Store writes call `record()` after the change they describe; sessions subscribe to their user's
// channel, and on a beacon read `journalSince(mailbox, theirModseq)` to catch up in order.
// With each beacon goes each mailbox's announced MODSEQ (a Redis key), which the mailbox indexes
// read to know how far a mailbox has gone without reading its document (docs/ARCHITECTURE.md §3).
import type { Redis } from 'ioredis';
import { RedisKeys } from './redis-keys.ts';

export { RedisKeys, DEFAULT_REDIS_PREFIX } from './redis-keys.ts';

export type JournalCommand =
  'EXISTS' | 'EXPUNGE' | 'FETCH' | 'MAILBOX_CREATE' | 'MAILBOX_RENAME' | 'MAILBOX_DELETE' | 'COUNTERS';

export interface JournalEntry {
  id: string;
  user: string;
  mailbox: string;
  /** MODSEQ of the change (0 for mailbox-level and COUNTERS entries). */
  modseq: number;
  command: JournalCommand;
  /** Message UID (0 for mailbox-level and COUNTERS entries). */
  uid: number;
  /** New flags, for FETCH (and EXISTS) entries. */
  flags?: string[];
  /** Mailbox path for MAILBOX_* entries (the new path for renames). */
  path?: string;
  /** Old path for MAILBOX_RENAME. */
  oldPath?: string;
  /** EXISTS: what the mailbox index keeps of the message (server/store/mailbox-index/): its
   * document's _id, size, internal date and Date: header date (ms since the epoch). */
  msg?: string;
  size?: number;
  idate?: number;
  hdate?: number;
  created: Date;
}

export type NewJournalEntry = Omit<JournalEntry, 'id' | 'created'>;

/** What goes over Redis: a summary of one `record()` call (its last entry and the entry count). */
export interface Beacon {
  user: string;
  mailbox: string;
  command: JournalCommand;
  uid: number;
  modseq: number;
  count: number;
  /** The entries themselves when there are few, so the mailbox indexes of other processes apply
   * them without reading the journal; a beacon without them only says where to look. */
  entries?: NewJournalEntry[];
}

/** Entries carried in one beacon at most; larger changes send only the summary. */
export const BEACON_MAX_ENTRIES = 500;

/** How long a mailbox's announced MODSEQ is kept after its last change (renewed by each one): an
 * idle mailbox leaves no key, and its readers then read the mailbox document instead. */
export const ANNOUNCED_TTL_S = 24 * 60 * 60;

/** The announced MODSEQ of a deleted mailbox: a change announced late cannot raise it again. */
const GONE = 'gone';

// Raises each mailbox's announced MODSEQ to the given one where it is lower, never over a deleted
// mailbox's mark, and renews its TTL. KEYS: the mailboxes' keys; ARGV[1] the TTL in seconds, then
// one MODSEQ per key.
const RAISE_ANNOUNCED = `for i = 1, #KEYS do
  local cur = redis.call('get', KEYS[i])
  if cur ~= '${GONE}' then
    local cur_n = tonumber(cur)
    if cur_n == nil or cur_n < tonumber(ARGV[i + 1]) then
      redis.call('set', KEYS[i], ARGV[i + 1], 'ex', ARGV[1])
    else
      redis.call('expire', KEYS[i], ARGV[1])
    end
  end
end
return 0`;

export type BeaconListener = (beacon: Beacon) => void;

/** Where the notifier reports what an operator should see (a message and its context). */
export type NotifyLog = (msg: string, fields: Record<string, unknown>) => void;

/** How long a journal write is retried before the change's caller gets the error. */
export const JOURNAL_RETRY_MS = 10_000;

/** Outcome of a journal write (store/journal-write.ts). */
export interface JournalWriteOutcome {
  attempts: number;
  firstError?: unknown;
  /** Set when the write did not hold within the budget. */
  error?: unknown;
}

/** Where the journal is kept: the store's journal collection (store/journal.ts). */
export interface JournalStore {
  /** Writes entries in order, retried with growing pauses for up to `budgetMs`; never twice. */
  write(
    entries: readonly NewJournalEntry[],
    budgetMs: number,
    hook?: (attempt: number) => void | Promise<void>,
  ): Promise<JournalWriteOutcome>;
  /** Entries of a mailbox with modseq > `modseq`, in modseq order (then insertion order). */
  since(mailbox: string, modseq: number): AsyncIterable<JournalEntry>;
  /** The entries of a mailbox with `after` < MODSEQ ≤ `upTo`, ascending, missing ones skipped. */
  between(mailbox: string, after: number, upTo: number): Promise<JournalEntry[]>;
  /** Mailbox-level entries (MAILBOX_CREATE/RENAME/DELETE, COUNTERS) of a user after `since`. */
  userEventsSince(user: string, since: Date): Promise<JournalEntry[]>;
  prune(maxAgeMs: number): Promise<number>;
  dropUser(user: string): Promise<void>;
}

export interface NotifierParams {
  journal: JournalStore;
  redis: Redis;
  /** Key and channel names; or just their prefix (default `nestbox`). */
  keys?: RedisKeys;
  prefix?: string;
  log?: NotifyLog;
  /** A journal write is retried with growing pauses for this long (default JOURNAL_RETRY_MS). */
  journalRetryMs?: number;
  /** Test hook: called before each attempt to write journal entries; a throw fails the attempt. */
  onJournalWrite?: (attempt: number) => void | Promise<void>;
}

/** The journal could not be written: the change it describes is made but must not be acknowledged. */
export class JournalWriteError extends Error {
  constructor(
    readonly attempts: number,
    options: { cause: unknown },
  ) {
    super(`journal write failed after ${attempts} attempts: ${String(options.cause)}`, options);
    this.name = 'JournalWriteError';
  }
}

export class Notifier {
  readonly keys: RedisKeys;
  private readonly log: NotifyLog;
  private readonly journalRetryMs: number;
  private readonly onJournalWrite: NotifierParams['onJournalWrite'];
  private readonly journal: JournalStore;
  private readonly redis: Redis;
  /** The one subscriber connection of this notifier, made on first subscribe. */
  private sub: Redis | null = null;
  private readonly listeners = new Map<string, Set<BeaconListener>>();
  /** Serialises SUBSCRIBE/UNSUBSCRIBE per channel so refcounting cannot race. */
  private readonly channelOps = new Map<string, Promise<void>>();
  private timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(params: NotifierParams) {
    this.keys = params.keys ?? new RedisKeys(params.prefix);
    this.journal = params.journal;
    this.redis = params.redis;
    this.log = params.log ?? (() => undefined);
    this.journalRetryMs = params.journalRetryMs ?? JOURNAL_RETRY_MS;
    this.onJournalWrite = params.onJournalWrite;
  }

  /** The Redis prefix every key and channel of this notifier (and its store) is under. */
  get prefix(): string {
    return this.keys.prefix;
  }

  userChannel(user: string): string {
    return this.keys.userChannel(user);
  }

  get globalChannel(): string {
    return this.keys.eventsChannel;
  }

  /** Writes journal entries (in the given order) and then publishes one beacon per user. */
  async record(entries: NewJournalEntry[]): Promise<void> {
    await this.appendJournal(entries);
    await this.announce(entries);
  }

  /**
   * Writes journal entries in the given order (after the change they describe). A failed write is
   * tried again with growing pauses until it holds; after `journalRetryMs` it throws
   * JournalWriteError, and a caller that has not acknowledged the change yet must not
   * (docs/ARCHITECTURE.md §3).
   * Either way the incident is logged once, with the mailbox and MODSEQs.
   */
  async appendJournal(entries: NewJournalEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const context = () => ({
      user: entries[0]!.user,
      mailbox: [...new Set(entries.map((e) => e.mailbox))].join(','),
      modseqs: `${entries[0]!.modseq}-${entries[entries.length - 1]!.modseq}`,
      entries: entries.length,
    });
    const r = await this.journal.write(entries, this.journalRetryMs, this.onJournalWrite);
    if (r.error !== undefined) {
      this.log('journal write failed; indexes will list the change from the messages', {
        ...context(),
        attempts: r.attempts,
        err: String(r.error),
      });
      // the change is in all the same: a beacon without entries sends every index that hears it
      // to the mailbox itself, where it finds the gap and rebuilds from the messages
      await this.announce(entries, false);
      throw new JournalWriteError(r.attempts, { cause: r.error });
    }
    if (r.attempts > 1)
      this.log('journal write held after retrying', {
        ...context(),
        attempts: r.attempts,
        err: String(r.firstError),
      });
  }

  /** Publishes one beacon per user summarising `entries` (their last entry and count), carrying
   * the entries themselves when there are at most BEACON_MAX_ENTRIES (and `carry`: entries that
   * are not in the journal are never carried). */
  async announce(entries: NewJournalEntry[], carry = true): Promise<void> {
    const byUser = new Map<string, Beacon & { entries: NewJournalEntry[] }>();
    /** Per user, the highest MODSEQ of each mailbox of the entries. */
    const raised = new Map<string, Map<string, number>>();
    for (const e of entries) {
      const prev = byUser.get(e.user);
      byUser.set(e.user, {
        user: e.user,
        mailbox: e.mailbox,
        command: e.command,
        uid: e.uid,
        modseq: Math.max(e.modseq, prev?.modseq ?? 0),
        count: (prev?.count ?? 0) + 1,
        entries: [...(prev?.entries ?? []), e],
      });
      if (e.modseq > 0) {
        const boxes = raised.get(e.user) ?? raised.set(e.user, new Map()).get(e.user)!;
        boxes.set(e.mailbox, Math.max(e.modseq, boxes.get(e.mailbox) ?? 0));
      }
    }
    for (const b of byUser.values()) {
      const { entries: carried, ...summary } = b;
      await this.publish(carry && carried.length <= BEACON_MAX_ENTRIES ? b : summary, raised.get(b.user));
    }
  }

  /** Publishes a beacon on the user's channel and on the global feed, and in the same transaction
   * raises the announced MODSEQ of each mailbox in `raise` (mailbox → MODSEQ). A Redis error is
   * logged and goes no further: the journal is already written, and sessions and indexes also read
   * it (an index reads the mailbox document at least every INDEX_RECHECK_MS). */
  async publish(beacon: Beacon, raise?: ReadonlyMap<string, number>): Promise<void> {
    const msg = JSON.stringify(beacon);
    try {
      const tx = this.redis.multi();
      if (raise?.size) {
        const boxes = [...raise];
        tx.eval(
          RAISE_ANNOUNCED,
          boxes.length,
          ...boxes.map(([m]) => this.keys.announcedModseq(m)),
          ANNOUNCED_TTL_S,
          ...boxes.map(([, modseq]) => modseq),
        );
      }
      // the global channel first: the mailbox indexes listen there, and a session that hears its
      // user's channel then finds the change already applied (one subscriber, delivered in order)
      const replies = await tx
        .publish(this.globalChannel, msg)
        .publish(this.userChannel(beacon.user), msg)
        .exec();
      const failed = replies?.find(([err]) => err)?.[0];
      if (!replies || failed) throw failed ?? new Error('transaction discarded');
    } catch (err) {
      // the doorbell is best-effort; the journal is the truth
      this.log('beacon not published; sessions learn of the change at their next journal read', {
        user: beacon.user,
        mailbox: beacon.mailbox,
        modseq: beacon.modseq,
        command: beacon.command,
        err: String(err),
      });
    }
  }

  /**
   * The highest MODSEQ announced for a mailbox: every change up to it is journaled. Null when
   * Redis has none (never changed since the key expired, Redis restarted) or the mailbox is
   * deleted; the caller then reads the mailbox document. A Redis error is thrown.
   */
  async announced(mailbox: string): Promise<number | null> {
    const v = await this.redis.get(this.keys.announcedModseq(mailbox));
    const n = v === null || v === GONE ? NaN : Number(v);
    return Number.isSafeInteger(n) ? n : null;
  }

  /** Marks a mailbox deleted (after its document is gone): its readers go to the document, and a
   * change announced late does not bring the mark back. */
  async announceGone(mailbox: string): Promise<void> {
    await this.redis.set(this.keys.announcedModseq(mailbox), GONE, 'EX', ANNOUNCED_TTL_S);
  }

  /** Listens to one user's beacons; resolves once the subscription is active. Returns the unsubscribe. */
  subscribe(user: string, listener: BeaconListener): Promise<() => Promise<void>> {
    return this.listen(this.userChannel(user), listener);
  }

  /** Listens to every user's beacons (admin dashboard / API `/events`). */
  subscribeAll(listener: BeaconListener): Promise<() => Promise<void>> {
    return this.listen(this.globalChannel, listener);
  }

  private subscriber(): Redis {
    if (!this.sub) {
      // named, so an operator (or a test) can find it in CLIENT LIST
      const sub = this.redis.duplicate({ connectionName: `${this.keys.prefix}:beacons` });
      sub.on('message', (channel: string, message: string) => {
        const set = this.listeners.get(channel);
        if (!set || set.size === 0) return;
        let beacon: Beacon;
        try {
          beacon = JSON.parse(message) as Beacon;
        } catch {
          return;
        }
        for (const l of [...set]) {
          try {
            l(beacon);
          } catch (err) {
            // one listener's failure must not starve the others
            this.log('beacon listener failed', {
              user: beacon.user,
              mailbox: beacon.mailbox,
              modseq: beacon.modseq,
              err: String(err),
            });
          }
        }
      });
      // ioredis reconnects and subscribes again by itself; an outage is logged once, not per retry,
      // and meanwhile sessions and indexes learn of changes from the journal
      let down = false;
      const lost = (err?: unknown) => {
        if (down || this.closed) return;
        down = true;
        this.log('beacon subscriber lost Redis; changes are read from the journal until it is back', {
          err: err === undefined ? 'connection closed' : String(err),
        });
      };
      sub.on('error', lost);
      sub.on('close', () => lost());
      sub.on('ready', () => {
        if (down) this.log('beacon subscriber is back', {});
        down = false;
      });
      this.sub = sub;
    }
    return this.sub;
  }

  private onChannel(channel: string, op: () => Promise<void>): Promise<void> {
    const prev = this.channelOps.get(channel) ?? Promise.resolve();
    const next = prev.then(op, op);
    const tail = next.catch(() => undefined);
    this.channelOps.set(channel, tail);
    void tail.then(() => {
      if (this.channelOps.get(channel) === tail) this.channelOps.delete(channel);
    });
    return next;
  }

  private async listen(channel: string, listener: BeaconListener): Promise<() => Promise<void>> {
    if (this.closed) throw new Error('notifier is closed');
    const sub = this.subscriber();
    await this.onChannel(channel, async () => {
      let set = this.listeners.get(channel);
      if (!set) {
        set = new Set();
        this.listeners.set(channel, set);
      }
      const first = set.size === 0;
      set.add(listener);
      if (first) await sub.subscribe(channel);
    });
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      await this.onChannel(channel, async () => {
        const set = this.listeners.get(channel);
        if (!set) return;
        set.delete(listener);
        if (set.size === 0) {
          this.listeners.delete(channel);
          if (this.sub && !this.closed) await this.sub.unsubscribe(channel);
        }
      });
    };
  }

  /** Journal entries of a mailbox with modseq > `modseq`, in modseq order (then insertion order). */
  journalSince(mailbox: string, modseq: number): AsyncIterable<JournalEntry> {
    return this.journal.since(mailbox, modseq);
  }

  /** The entries of a mailbox with `after` < MODSEQ ≤ `upTo`, past any gap (see JournalStore). */
  journalBetween(mailbox: string, after: number, upTo: number): Promise<JournalEntry[]> {
    return this.journal.between(mailbox, after, upTo);
  }

  /** Mailbox-level entries (MAILBOX_CREATE/RENAME/DELETE, COUNTERS) of a user after `since`. */
  userEventsSince(user: string, since: Date): Promise<JournalEntry[]> {
    return this.journal.userEventsSince(user, since);
  }

  /** Deletes journal entries older than `maxAgeMs`; returns how many. */
  prune(maxAgeMs: number): Promise<number> {
    return this.journal.prune(maxAgeMs);
  }

  /** Deletes every journal entry of a user (user deletion). */
  dropUser(user: string): Promise<void> {
    return this.journal.dropUser(user);
  }

  /** Runs `prune(maxAgeMs)` every `everyMs` (no TTL indexes on FerretDB). Returns a stop function. */
  startPruning(opts: { everyMs: number; maxAgeMs: number }): () => void {
    const timer = setInterval(() => {
      void this.prune(opts.maxAgeMs).catch((err: unknown) =>
        this.log('journal pruning failed; it is tried again at the next interval', { err: String(err) }),
      );
    }, opts.everyMs);
    timer.unref();
    this.timers.add(timer);
    return () => {
      clearInterval(timer);
      this.timers.delete(timer);
    };
  }

  /** Stops pruning and closes the subscriber connection. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.timers.clear();
    this.listeners.clear();
    const sub = this.sub;
    this.sub = null;
    if (sub) await sub.quit().catch(() => sub.disconnect());
  }
}

export function createNotifier(params: NotifierParams): Notifier {
  return new Notifier(params);
}
