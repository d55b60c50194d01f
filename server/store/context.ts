// Shared wiring for the store's parts: collections, options with defaults, the notifier.
import type { Collection, Db } from 'mongodb';
import type { Redis } from 'ioredis';
import type { Notifier } from '../notify/index.ts';
import { DEFAULT_REDIS_PREFIX, RedisKeys } from '../notify/redis-keys.ts';
import { Locks } from './locks.ts';
import { UidIds } from './uid-ids.ts';
import { ContentCache } from './content-cache.ts';
import { BodyCache } from './body-cache.ts';
import { Usage } from './usage.ts';
import { Reaper } from './reaper.ts';
import { CHECKPOINT_EVERY, INDEX_RECHECK_MS, IndexCache } from './mailbox-index/cache.ts';
import type { AddStep, StoreOptions } from './index.ts';
import { AUTHLOG_MAX_AGE_MS } from './authlog.ts';
import {
  COLL,
  type AddressDoc,
  type ChunkDoc,
  type FileDoc,
  type MailboxDoc,
  type MessageDoc,
  type PackDoc,
  type RemovalDoc,
  type SubscriptionDoc,
  type UserDoc,
} from './docs.ts';

export interface ResolvedOptions {
  bcryptRounds: number;
  externalizeAbove: number;
  chunkSize: number;
  sweepGraceMs: number;
  journalMaxAgeMs: number;
  defaultQuota: number;
  channelPrefix: string;
  /** Every Redis key and channel name, under `channelPrefix`. */
  keys: RedisKeys;
  journalRetryMs: number | undefined;
  lockTtlMs: number;
  uidCacheSize: number;
  indexCacheEntries: number;
  contentCacheBytes: number;
  indexCheckpointEvery: number;
  indexRecheckMs: number;
  relayConfigured: boolean;
  authlogMaxAgeMs: number;
  log: (msg: string, fields: Record<string, unknown>) => void;
  onStep: ((step: AddStep) => void | Promise<void>) | undefined;
  onJournalWrite: StoreOptions['onJournalWrite'];
}

export interface Ctx {
  db: Db;
  redis: Redis;
  notify: Notifier;
  opts: ResolvedOptions;
  locks: Locks;
  /** (mailbox, uid) → message _id seen by this process (see uid-ids.ts). */
  uidIds: UidIds;
  /** Each open mailbox's index, shared by the whole process (mailbox-index/cache.ts). */
  index: IndexCache;
  /** Recently stored or read messages' contents, by message _id (content-cache.ts). */
  contents: ContentCache;
  /** Recently read attachment bodies, by SHA-256 (body-cache.ts); a quarter of the content
   * cache's bound. */
  bodies: BodyCache;
  /** storageUsed and messagesUsed of users without limits, written a moment later (usage.ts). */
  usage: Usage;
  users: Collection<UserDoc>;
  addresses: Collection<AddressDoc>;
  mailboxes: Collection<MailboxDoc>;
  messages: Collection<MessageDoc>;
  files: Collection<FileDoc>;
  chunks: Collection<ChunkDoc>;
  subscriptions: Collection<SubscriptionDoc>;
  /** Page packs, a derived copy (packs.ts). */
  packs: Collection<PackDoc>;
  /** Expunged messages whose documents are still to be deleted (reaper.ts). */
  removals: Collection<RemovalDoc>;
  /** Deletes them in batches, a moment after their expunge (reaper.ts). */
  reaper: Reaper;
}

export function resolveOptions(o: StoreOptions = {}): ResolvedOptions {
  return {
    bcryptRounds: o.bcryptRounds ?? 10,
    externalizeAbove: o.externalizeAbove ?? 64 * 1024,
    chunkSize: o.chunkSize ?? 255 * 1024,
    sweepGraceMs: o.sweepGraceMs ?? 60 * 60 * 1000,
    journalMaxAgeMs: o.journalMaxAgeMs ?? 7 * 24 * 60 * 60 * 1000,
    defaultQuota: o.defaultQuota ?? 0,
    channelPrefix: o.channelPrefix ?? DEFAULT_REDIS_PREFIX,
    keys: new RedisKeys(o.channelPrefix ?? DEFAULT_REDIS_PREFIX),
    journalRetryMs: o.journalRetryMs,
    lockTtlMs: o.lockTtlMs ?? 15_000,
    uidCacheSize: o.uidCacheSize ?? 200_000,
    indexCacheEntries: o.indexCacheEntries ?? 1_000_000,
    contentCacheBytes: o.contentCacheBytes ?? 64 * 1024 * 1024,
    indexCheckpointEvery: o.indexCheckpointEvery ?? CHECKPOINT_EVERY,
    indexRecheckMs: o.indexRecheckMs ?? INDEX_RECHECK_MS,
    relayConfigured: o.relayConfigured ?? false,
    authlogMaxAgeMs: o.authlogMaxAgeMs ?? AUTHLOG_MAX_AGE_MS,
    log: o.log ?? (() => undefined),
    onStep: o.onStep,
    onJournalWrite: o.onJournalWrite,
  };
}

export function makeCtx(db: Db, redis: Redis, notify: Notifier, opts: ResolvedOptions): Ctx {
  const ctx: Ctx = {
    db,
    redis,
    notify,
    opts,
    locks: new Locks(redis, opts.keys, opts.lockTtlMs),
    uidIds: new UidIds(opts.uidCacheSize),
    contents: new ContentCache(opts.contentCacheBytes),
    bodies: new BodyCache(Math.floor(opts.contentCacheBytes / 4)),
    users: db.collection<UserDoc>(COLL.users),
    addresses: db.collection<AddressDoc>(COLL.addresses),
    mailboxes: db.collection<MailboxDoc>(COLL.mailboxes),
    messages: db.collection<MessageDoc>(COLL.messages),
    files: db.collection<FileDoc>(COLL.files),
    chunks: db.collection<ChunkDoc>(COLL.chunks),
    index: null!,
    usage: null!,
    subscriptions: db.collection<SubscriptionDoc>(COLL.subscriptions),
    packs: db.collection<PackDoc>(COLL.packs),
    removals: db.collection<RemovalDoc>(COLL.removals),
    reaper: null!,
  };
  ctx.locks.log = opts.log;
  ctx.usage = new Usage(ctx);
  ctx.reaper = new Reaper(ctx);
  ctx.index = new IndexCache(
    ctx,
    opts.log,
    opts.indexCacheEntries,
    opts.indexCheckpointEvery,
    opts.indexRecheckMs,
  );
  return ctx;
}
