// Public interface of the mail store. IMAP, POP3, LMTP and the HTTP API call only this layer;
// none of them touches MongoDB directly. Everything is built from the database `connectDatabase`
// opened (connect.ts; tests may hand in a driver Db) and an ioredis client.
//
// Identifiers (users, mailboxes, messages, addresses, ASPs) are 24-character hex strings.
// Mailbox paths are UTF-8 with `/` as the hierarchy delimiter; `INBOX` is matched case-insensitively.
//
// Atomicity: FerretDB 1.x applies an update as read-then-write (no `$inc`/`findOneAndUpdate`
// atomicity), so every read-modify-write of a shared document runs under a short Redis lock
// (`<channelPrefix>:lock:*`, see locks.ts). All processes sharing a database must use the same
// `channelPrefix`. A mailbox's journal is written under its lock, hence in MODSEQ order.
import type { Db } from 'mongodb';
import type { Redis } from 'ioredis';
import type { Readable } from 'node:stream';
import type { Notifier } from '../notify/index.ts';
import type { RedisKeys } from '../notify/redis-keys.ts';
import type { Locks } from './locks.ts';
import { createStoreImpl } from './store.ts';
import { ensureIndexesImpl } from './indexes.ts';
import type { OpenedMessage } from './open-message.ts';
import type { AddressValue as MailAddress, AttachmentInfo } from './mime.ts';
import type { FilterInfo, Filters } from './filters.ts';
import type { Autoreplies } from './autoreply.ts';
import type { AuthLog } from './authlog.ts';
import type { Database } from './connect.ts';

export { StoreError, isStoreError } from './errors.ts';
export type { OpenedMessage } from './open-message.ts';
export type { StoreErrorCode } from './errors.ts';
export { normalizeAddress, addressView } from './addresses.ts';
export type { JournalEntry, Beacon, JournalCommand } from '../notify/index.ts';
export { JournalWriteError } from '../notify/index.ts';
export { lockName, type HeldLock, type Locks } from './locks.ts';
export { uidRanges } from './uidset.ts';

export type Id = string;

/** Hierarchy delimiter of mailbox paths. */
export const DELIMITER = '/';

// ---------------------------------------------------------------------------------------------
// Options

/**
 * Named points of `messages.add`; `onStep` is called when each is reached. In this order, except
 * that `reserved` comes before `attachments` for a message with bodies for GridFS and between
 * `attachments` and `allocated` for one without (its quota is reserved beside the allocation).
 * When the process guessed the UID (docs/ARCHITECTURE.md §3, "The guessed UID"), the message is
 * written beside the allocation: at `allocated` it is already in, though not yet acknowledged.
 */
export type AddStep =
  | 'parsed' // MIME tree built
  | 'reserved' // quota reserved on the user
  | 'attachments' // attachment refcounts raised and bodies written to GridFS
  | 'allocated' // uid + modseq taken from the mailbox
  | 'inserted' // message document written: the commit point
  | 'journaled' // journal entry written
  | 'published'; // Redis beacon sent

export interface StoreOptions {
  /** bcrypt cost for account and application passwords (default 10). */
  bcryptRounds?: number;
  /** Leaf bodies larger than this many bytes go to GridFS (default 64 KiB). */
  externalizeAbove?: number;
  /** GridFS chunk size in bytes (default 255 KiB). */
  chunkSize?: number;
  /** `sweep()` only deletes unreferenced attachments / releases reservations older than this (default 1 h). */
  sweepGraceMs?: number;
  /** Journal entries older than this are pruned (default 7 days). */
  journalMaxAgeMs?: number;
  /** Quota for new users when `users.create` is given none (bytes, 0 = unlimited; default 0). */
  defaultQuota?: number;
  /**
   * Lifetime of the store's Redis locks (default 15 s): a process that dies holding one blocks that
   * mailbox or user for at most this long.
   */
  lockTtlMs?: number;
  /**
   * How many (mailbox, uid) → message id pairs this process remembers (default 200 000: 18 MiB
   * of heap when full, measured), so per-message reads go by id; 0 turns it off.
   */
  uidCacheSize?: number;
  /**
   * Mailbox index entries this process keeps in memory across all mailboxes (default 1 000 000,
   * about 150 bytes each); the least recently used mailboxes are dropped beyond it.
   */
  indexCacheEntries?: number;
  /**
   * Bytes of recently stored or read message contents this process keeps, so FETCH of bodies and
   * POP3 RETR of them skip the database (default 64 MiB; 0 turns it off; content-cache.ts).
   */
  contentCacheBytes?: number;
  /** A mailbox index checkpoint is written once this many changes followed the last (default 500). */
  indexCheckpointEvery?: number;
  /**
   * A mailbox index reads its mailbox document at least this often instead of trusting the
   * MODSEQ announced in Redis (default INDEX_RECHECK_MS): how long a change journaled but never
   * announced can stay unseen.
   */
  indexRecheckMs?: number;
  /** Where the store reports what an operator should see (index builds, repairs, failures). */
  log?: (msg: string, fields: Record<string, unknown>) => void;
  /**
   * Whether an SMTP relay is configured (the server's `relayUrl`): without one, filters that
   * forward and switching an autoreply on are refused with `RELAY_REQUIRED` (default false).
   */
  relayConfigured?: boolean;
  /** Auth log entries older than this are pruned by maintenance (default `AUTHLOG_MAX_AGE_MS`, 30 days). */
  authlogMaxAgeMs?: number;
  /**
   * Prefix of every Redis key and channel (default `nestbox`; server/notify/redis-keys.ts): beacons
   * go to `<prefix>:u:<userId>` and `<prefix>:events`, locks to `<prefix>:lock:*`. Every process on
   * one database uses the same; installations sharing one Redis use different ones.
   */
  channelPrefix?: string;
  /** A failed journal write is retried this long before the change's caller gets the error
   * (default 10 s; docs/ARCHITECTURE.md §3). */
  journalRetryMs?: number;
  /** Test hook: called at each named step of `messages.add`. */
  onStep?: (step: AddStep) => void | Promise<void>;
  /** Test hook: called before each attempt to write journal entries; a throw fails that attempt. */
  onJournalWrite?: (attempt: number) => void | Promise<void>;
}

export type CreateStoreParams = {
  redis: Redis;
  options?: StoreOptions;
} & (
  | {
      /** The server's database, from `connectDatabase` (connect.ts). */
      database: Database;
    }
  | {
      /** A driver Db opened elsewhere (tests and benchmarks). */
      db: Db;
    }
);

// ---------------------------------------------------------------------------------------------
// Users

/** Where a password is being used; application passwords are limited to their scopes. */
export type AuthScope = 'imap' | 'pop3' | 'smtp' | 'api';
export type AspScope = 'imap' | 'pop3' | 'smtp' | '*';

export interface UserInfo {
  id: Id;
  /** Lower-case login name. */
  username: string;
  name: string;
  /** Primary address, when one was given or added. */
  address: string | null;
  /** Bytes; 0 = unlimited. */
  quota: number;
  /** Bytes used by all messages of the user (sum of message sizes). */
  storageUsed: number;
  /** Most messages the user may hold; 0 = unlimited. */
  messageQuota: number;
  /** Number of messages the user holds. */
  messagesUsed: number;
  disabled: boolean;
  /** False when the account has no password of its own (only application passwords log in). */
  hasPassword: boolean;
  created: Date;
}

export interface CreateUserInput {
  /** 1–64 characters of `a-z 0-9 . _ -` (case-insensitive; stored lower-case). */
  username: string;
  /** Plain password; omit or null for an account that only logs in with application passwords. */
  password?: string | null;
  name?: string;
  quota?: number;
  /** Most messages the user may hold; 0 or omitted = unlimited. */
  messageQuota?: number;
  disabled?: boolean;
  /** An address to register and make primary. */
  address?: string;
}

export interface UpdateUserInput {
  name?: string;
  password?: string | null;
  quota?: number;
  messageQuota?: number;
  disabled?: boolean;
  /** Must be one of the user's registered addresses. */
  address?: string;
}

export interface AspInfo {
  id: Id;
  description: string;
  scopes: AspScope[];
  created: Date;
  lastUse: Date | null;
}

export interface AuthResult {
  user: Id;
  username: string;
  scope: AuthScope;
  /** 'password' when the account password matched, otherwise the ASP that matched. */
  method: 'password' | 'asp';
  asp: Id | null;
}

export interface ListUsersQuery {
  /** Substring of username (case-insensitive). */
  query?: string;
  limit?: number;
  skip?: number;
}

/** What delivery needs to know of an RCPT address (server/store/recipients.ts). */
export interface RecipientInfo {
  /** The user's id. */
  readonly user: string;
  /** The stored address it matched (the address itself, its +tag-less form or a catch-all). */
  readonly address: string;
  readonly disabled: boolean;
  /** The user's filters in the order they apply; empty for a disabled user. */
  readonly filters: readonly FilterInfo[];
}

export interface RecipientsApi {
  /**
   * The recipient an address delivers to, or null. Cached per process while no address, user or
   * filter changed anywhere (a version in Redis says so): one Redis read instead of database reads.
   */
  lookup(address: string, asOf?: Promise<string | null>): Promise<RecipientInfo | null>;
  /**
   * The directory version now, for `lookup`'s `asOf`: lookups given it answer as of when it was
   * read, with no Redis read of their own (LMTP reads it at MAIL FROM for the transaction's
   * recipients, so the read goes while the MTA sends its first RCPT).
   */
  directoryVersion(): Promise<string | null>;
}

export interface UsersApi {
  /** Creates the user, its default mailboxes (INBOX, Drafts, Sent, Trash, Junk, Archive) and its address. */
  create(input: CreateUserInput): Promise<UserInfo>;
  get(id: Id): Promise<UserInfo | null>;
  /**
   * The user as a delivery needs it, in the same one read as `get`: `mayHaveFilters` false means it
   * has no filters (docs/ARCHITECTURE.md §3 `filters`), so the delivery need not read them.
   */
  recipient(id: Id): Promise<{ user: UserInfo; mayHaveFilters: boolean } | null>;
  getByUsername(username: string): Promise<UserInfo | null>;
  list(query?: ListUsersQuery): Promise<{ total: number; users: UserInfo[] }>;
  update(id: Id, changes: UpdateUserInput): Promise<UserInfo>;
  /**
   * Removes the user and everything that hangs off it: mailboxes with their messages (releasing
   * storage and attachment references), index checkpoints and journal, addresses, lost
   * subscriptions, import marks, filters, the autoreply and the auth log. The account is disabled
   * first and its document goes last, so a delete cut short is finished by deleting again.
   */
  delete(id: Id): Promise<void>;
  /**
   * Login by username or any of the user's addresses (case-insensitive). Tries the account password,
   * then the application passwords whose scopes cover `scope`. Null for unknown user, wrong password or
   * a disabled account (no distinction, so callers cannot leak which).
   */
  authenticate(login: string, password: string, scope: AuthScope): Promise<AuthResult | null>;
  /** The account `authenticate` would check for this login (username or address), or null: failed
   * logins are counted per account, whichever of its names was used. */
  resolveLogin(login: string): Promise<Id | null>;
  /** Same checks as `authenticate` for a known user id. */
  verifyPassword(id: Id, password: string, scope: AuthScope): Promise<AuthResult | null>;
  /** Creates an application password; the plain password is returned only here. */
  createAsp(
    id: Id,
    input: { description: string; scopes: AspScope[] },
  ): Promise<{ asp: AspInfo; password: string }>;
  listAsps(id: Id): Promise<AspInfo[]>;
  deleteAsp(id: Id, aspId: Id): Promise<boolean>;
  /** Recomputes storageUsed (and the message count) from the user's messages; returns the new
   * storageUsed. */
  recountStorage(id: Id): Promise<number>;
}

// ---------------------------------------------------------------------------------------------
// Addresses

export interface AddressInfo {
  id: Id;
  user: Id;
  /** Normalised: NFC, lower-case. `*@domain` is a catch-all. */
  address: string;
  /** Unicode-folded view (NFKC, lower-case, no +tag) used for lookups. */
  addrview: string;
  created: Date;
}

/**
 * Why a user may not add an address on their own: `catch-all` (`*@domain`), `foreign-domain` (no
 * address of this server is in that domain yet), `taken` (another user holds it, or holds it with
 * or without a `+tag`, or in a Unicode-folded spelling).
 */
export type AddressClaimProblem = 'catch-all' | 'foreign-domain' | 'taken';

export interface AddressesApi {
  /** Registers an address for a user; `EXISTS` if any user already has it. No other check: callers
   * acting for the user ask `claimProblem` first. */
  add(user: Id, address: string, opts?: { main?: boolean }): Promise<AddressInfo>;
  /** What stands against `user` adding `address` themselves; null when nothing does. Throws
   * `INVALID` for a malformed address. */
  claimProblem(user: Id, address: string): Promise<AddressClaimProblem | null>;
  list(user: Id): Promise<AddressInfo[]>;
  get(address: string): Promise<AddressInfo | null>;
  /** Removes one of the user's addresses; false if it was not theirs. */
  delete(user: Id, address: string): Promise<boolean>;
  /**
   * Finds the user mail for `address` goes to: exact match, then without `+tag`, then the `*@domain`
   * catch-all. Null when nothing matches.
   */
  resolve(address: string): Promise<{ user: Id; address: string } | null>;
}

// ---------------------------------------------------------------------------------------------
// Mailboxes

export type SpecialUse = '\\Inbox' | '\\Drafts' | '\\Sent' | '\\Trash' | '\\Junk' | '\\Archive';

export interface MailboxInfo {
  id: Id;
  user: Id;
  /** UTF-8 path, `/`-delimited; INBOX is always spelled `INBOX`. */
  path: string;
  specialUse: SpecialUse | null;
  uidValidity: number;
  uidNext: number;
  /** Highest MODSEQ given out in this mailbox. */
  modifyIndex: number;
  subscribed: boolean;
  /** Keywords messages of this mailbox were given (FLAGS at SELECT, RFC 3501 §7.2.6). */
  keywords: string[];
  created: Date;
}

export interface MailboxStatus {
  messages: number;
  unseen: number;
  /** Total of the messages' sizes (RFC 8438 STATUS SIZE). */
  size: number;
  uidNext: number;
  uidValidity: number;
  highestModseq: number;
}

export interface MailboxesApi {
  /** All of a user's mailboxes, sorted by path. */
  list(user: Id, opts?: { subscribedOnly?: boolean }): Promise<MailboxInfo[]>;
  get(user: Id, path: string): Promise<MailboxInfo | null>;
  /**
   * The id of the mailbox at `path`, or null. Cached per process while no mailbox was created,
   * renamed or deleted anywhere (the directory version in Redis says so): one Redis read.
   */
  idOf(user: Id, path: string): Promise<string | null>;
  getById(user: Id, id: Id): Promise<MailboxInfo | null>;
  /** `\Inbox` gives INBOX (whose stored `specialUse` is null: it is not an RFC 6154 attribute). */
  getBySpecialUse(user: Id, use: SpecialUse): Promise<MailboxInfo | null>;
  /**
   * Creates `path`. Missing parents are created too (RFC 3501 §6.3.3 allows it), unsubscribed.
   * `subscribed` defaults to true; a name still subscribed from a deleted mailbox is subscribed.
   * `EXISTS` if the path exists, `INVALID` for a name `newMailboxPath` (paths.ts) refuses.
   */
  create(
    user: Id,
    path: string,
    opts?: { specialUse?: SpecialUse; subscribed?: boolean },
  ): Promise<MailboxInfo>;
  /**
   * Renames `path` and every mailbox below it, keeping ids, UIDs and UIDVALIDITY. Renaming INBOX
   * creates `newPath`, moves all INBOX messages into it and leaves INBOX empty (RFC 3501 §6.3.5);
   * INBOX's children are not moved. Missing parents of `newPath` are created.
   */
  rename(user: Id, path: string, newPath: string): Promise<MailboxInfo>;
  /**
   * Deletes one mailbox and its messages (releasing attachments and storage). Children stay, and
   * so does its subscription. INBOX cannot be deleted (`CANNOT`).
   */
  delete(user: Id, path: string): Promise<void>;
  /**
   * Subscribes or unsubscribes `path`. Subscribing needs the mailbox (`NOMAILBOX`); unsubscribing
   * also forgets a subscription whose mailbox was deleted.
   */
  setSubscribed(user: Id, path: string, subscribed: boolean): Promise<void>;
  /** Every subscribed name (RFC 3501 §6.3.9), also those whose mailbox was deleted (`exists` false). */
  subscriptions(user: Id): Promise<Array<{ path: string; exists: boolean }>>;
  status(user: Id, mailbox: Id): Promise<MailboxStatus>;
}

// ---------------------------------------------------------------------------------------------
// Messages

/** Inclusive UID ranges and single UIDs; the IMAP layer resolves `*` before calling. */
export type UidSet = ReadonlyArray<number | readonly [number, number]>;

export interface AddMessageInput {
  user: Id;
  mailbox: Id;
  /** Exact bytes; stored and returned byte for byte. */
  raw: Buffer;
  /** IMAP flags and keywords (`\Recent` is ignored: it is session state). */
  flags?: string[];
  /** Internal date (default now). */
  idate?: Date;
  /**
   * Resolve once the message document is durably written (its commit point), not after its
   * journal entry: the entry and the beacon follow under the mailbox lock, and this process's
   * reads of the mailbox wait for them, so its next delivery overlaps the journal write. A journal
   * write that then fails is logged; every index finds the gap and lists the message from the
   * messages (docs/ARCHITECTURE.md §3). LMTP delivers this way.
   */
  ackOnCommit?: boolean;
}

export interface AddMessageResult {
  id: Id;
  uid: number;
  modseq: number;
  size: number;
  mailbox: Id;
  uidValidity: number;
}

export interface CopyResult {
  /** Target mailbox UIDVALIDITY (COPYUID). */
  uidValidity: number;
  /** Source UID → target UID, in ascending source order. */
  map: Array<{ source: number; target: number }>;
}

export interface MoveResult extends CopyResult {
  /** Source UIDs that were expunged, ascending. */
  expunged: number[];
}

export interface ExpungeResult {
  /** Expunged UIDs, ascending. */
  uids: number[];
}

export type FlagAction = 'set' | 'add' | 'remove';

export interface UpdateFlagsInput {
  user: Id;
  mailbox: Id;
  uids: UidSet;
  action: FlagAction;
  flags: string[];
  /** CONDSTORE: skip (and report) messages whose modseq is above this. */
  unchangedSince?: number;
}

export interface UpdateFlagsResult {
  /** Messages whose flags changed, each with its new MODSEQ, ascending by uid. */
  updated: Array<{ uid: number; flags: string[]; modseq: number }>;
  /** UIDs not changed because of `unchangedSince`. */
  modified: number[];
}

export type MessageField =
  | 'flags'
  | 'modseq'
  | 'idate'
  | 'hdate'
  | 'size'
  | 'envelope'
  | 'bodystructure'
  | 'body'
  | 'subject'
  | 'addresses'
  | 'msgid'
  | 'headers'
  | 'intro'
  | 'text'
  | 'attachments';

/** A decoded address and an attachment as the MIME module describes them (server/mime/types.ts). */
export type { AddressValue as MailAddress, AttachmentInfo } from './mime.ts';

/** A message as returned by lookups; optional fields are present when their MessageField was asked for. */
export interface MessageView {
  id: Id;
  user: Id;
  mailbox: Id;
  uid: number;
  flags?: string[];
  modseq?: number;
  idate?: Date;
  /** Date header (idate when missing or unparsable). */
  hdate?: Date;
  size?: number;
  /** Serialised IMAP ENVELOPE / BODYSTRUCTURE / BODY strings. */
  envelope?: string;
  bodystructure?: string;
  body?: string;
  subject?: string;
  /** 'addresses' gives from/to/cc/bcc/replyTo/sender. */
  from?: MailAddress[];
  to?: MailAddress[];
  cc?: MailAddress[];
  bcc?: MailAddress[];
  replyTo?: MailAddress[];
  sender?: MailAddress[];
  msgid?: string | null;
  inReplyTo?: string | null;
  references?: string[];
  headers?: Array<{ key: string; value: string }>;
  intro?: string;
  /** Decoded text parts, first 1 MiB (what BODY / TEXT searches look at). */
  text?: string;
  attachments?: AttachmentInfo[];
  hasAttachments?: boolean;
}

/** Byte range of the raw message or a section: `start` offset, at most `length` bytes. */
export interface ByteRange {
  start: number;
  length?: number;
}

export interface ContentStream {
  /** Full size of the message or section (before any range). */
  size: number;
  /** Made when first read: a writer given `pieces` need not touch it. */
  stream: Readable;
  /** The same bytes already in memory, when none of them is kept apart in GridFS: a writer can
   * send them at once instead of reading the stream. */
  pieces?: readonly Buffer[] | null;
}

/**
 * IMAP SEARCH building blocks. Dates are instants; the IMAP layer turns BEFORE/ON/SINCE days into
 * [gte, lt) bounds. Substring matches are case-insensitive.
 */
export type SearchKey =
  | { type: 'all' }
  | { type: 'uid'; uids: UidSet }
  | { type: 'flag'; flag: string; set: boolean }
  | { type: 'idate'; gte?: Date; lt?: Date }
  /** The day of the Date: header in its own zone (RFC 3501 §6.4.4), bounds at UTC midnights. */
  | { type: 'hdate'; gte?: Date; lt?: Date }
  | { type: 'size'; gt?: number; lt?: number }
  | { type: 'modseq'; gte: number }
  /** Header field contains value; an empty value matches any message that has the field. */
  | { type: 'header'; name: string; value: string }
  | { type: 'from' | 'to' | 'cc' | 'bcc' | 'subject'; value: string }
  /** Decoded body text contains value. */
  | { type: 'body'; value: string }
  /** Header values or decoded body text contain value. */
  | { type: 'text'; value: string }
  | { type: 'not'; key: SearchKey }
  | { type: 'or'; keys: SearchKey[] }
  | { type: 'and'; keys: SearchKey[] };

/** What the mailbox index holds of one message (dates in ms since the epoch). */
export interface IndexedMessage {
  readonly uid: number;
  readonly modseq: number;
  readonly flags: readonly string[];
  readonly size: number;
  readonly idate: number;
  readonly hdate: number;
  /** The message id. */
  readonly id: Id;
}

/**
 * A mailbox as its index knows it (docs/ARCHITECTURE.md §3): shared by every caller in the
 * process and updated in place as changes arrive, so read it at once after the await and copy
 * what must stay still.
 */
export interface MailboxView {
  readonly mailbox: Id;
  readonly user: Id;
  /** Every change up to this MODSEQ is in. */
  readonly modseq: number;
  readonly exists: number;
  /** Ascending by UID. */
  readonly entries: readonly IndexedMessage[];
  uids(): number[];
  get(uid: number): IndexedMessage | undefined;
  /** Position of `uid` in `entries`, or -1. */
  indexOf(uid: number): number;
  /** Position of the first entry with a UID ≥ `uid` (`entries.length` when none). */
  lowerBound(uid: number): number;
  firstUnseen(): number | null;
  counts(): { messages: number; unseen: number; size: number };
  /** UIDs expunged after `modseq`, ascending; null when that is further back than it remembers. */
  expungedSince(modseq: number): number[] | null;
}

export interface PagerOptions {
  /** Pack the closed pages read from message documents (store/packs.ts); default true. A reader
   * whose messages are about to go (a POP3 download) does not. */
  writePacks?: boolean;
}

export interface MessagePager {
  /** The message with this UID; null if there is none (any more). */
  open(uid: number): Promise<OpenedMessage | null>;
}

/**
 * Every call names the user it acts for, and every mailbox or message it names must be that user's:
 * another user's mailbox is refused with `NOMAILBOX` (as a missing one is elsewhere), and a
 * message id of another user finds nothing. The owner of a mailbox comes from its index when the
 * process holds it, so the check costs no read on hot paths.
 */
export interface MessagesApi {
  /**
   * The mailbox's index with every change up to `atLeast` (default: up to the mailbox's current
   * MODSEQ); null when there is no such mailbox.
   */
  view(user: Id, mailbox: Id, atLeast?: number): Promise<MailboxView | null>;
  /**
   * Stores a message. Order: parse → quota reservation → attachments (refcount first) → uid/modseq
   * (a message with no attachments reserves its quota beside the uid/modseq, under the mailbox
   * lock) → message insert with {w:'majority', j:true} (the commit point: resolve ⇒ durable) →
   * journal → beacon. `OVERQUOTA` (nothing stored, nothing charged) when it would exceed the
   * user's quota; `NOMAILBOX`.
   */
  add(input: AddMessageInput): Promise<AddMessageResult>;
  /** Copies messages (quota checked: `OVERQUOTA` copies nothing). Target UIDs are consecutive. */
  copy(input: { user: Id; mailbox: Id; uids: UidSet; target: Id }): Promise<CopyResult>;
  /** RFC 6851 MOVE: new UIDs in the target, EXPUNGE in the source. Quota unaffected. */
  move(input: { user: Id; mailbox: Id; uids: UidSet; target: Id }): Promise<MoveResult>;
  /**
   * Removes messages with `\Deleted` (all of them, or those in `uids` for UID EXPUNGE).
   * `requireDeleted: false` removes the `uids` regardless of flags (API / POP3 deletes).
   */
  expunge(input: { user: Id; mailbox: Id; uids?: UidSet; requireDeleted?: boolean }): Promise<ExpungeResult>;
  /** STORE: each changed message gets a new MODSEQ and a FETCH journal entry. */
  updateFlags(input: UpdateFlagsInput): Promise<UpdateFlagsResult>;
  /** All UIDs of a mailbox, ascending (message sequence number n = n-th UID). */
  listUids(user: Id, mailbox: Id): Promise<number[]>;
  /** All UIDs ascending and the UID of the first message without `\Seen` (SELECT's needs). */
  listMailbox(user: Id, mailbox: Id): Promise<{ uids: number[]; firstUnseen: number | null }>;
  /** Messages by UID set, ascending by UID, streamed. */
  fetch(user: Id, mailbox: Id, uids: UidSet, fields: readonly MessageField[]): AsyncIterable<MessageView>;
  /** One message by id, checked against the user. */
  getById(user: Id, id: Id, fields: readonly MessageField[]): Promise<MessageView | null>;
  /** Exact original bytes (or a range of them); null if no such message. */
  openRaw(user: Id, mailbox: Id, uid: number, range?: ByteRange): Promise<ContentStream | null>;
  /** Raw bytes by message id for the API's message.eml. */
  openRawById(user: Id, id: Id, range?: ByteRange): Promise<ContentStream | null>;
  /** IMAP BODY[section] content (e.g. '', 'HEADER', '1', '1.2.MIME', '2.TEXT'); null if absent. */
  openSection(
    user: Id,
    mailbox: Id,
    uid: number,
    section: string,
    range?: ByteRange,
  ): Promise<ContentStream | null>;
  /** One message read once for several sections (FETCH); null if no such message. */
  open(user: Id, mailbox: Id, uid: number): Promise<OpenedMessage | null>;
  /**
   * Opens messages of one mailbox in ascending UID order a page at a time (FETCH of bodies over
   * a range, POP3 RETR): one query reads a page of messages, and the next page is read while
   * this one is sent. Given the UIDs that will be asked for, a reader expecting many of them reads
   * by passes over the mailbox instead (store/open-message.ts).
   */
  pager(user: Id, mailbox: Id, wanted?: UidSet, options?: PagerOptions): MessagePager;
  /** UIDs matching the query, ascending. */
  search(user: Id, mailbox: Id, query: SearchKey): Promise<number[]>;
}

// ---------------------------------------------------------------------------------------------
// Attachments and maintenance

export interface SweepOptions {
  /** Overrides `sweepGraceMs` (tests use 0). */
  graceMs?: number;
  /** Documents one slice reads (default `SWEEP_SLICE`, server/store/sweep.ts). */
  slice?: number;
}

export interface SweepReport {
  /** Unreferenced GridFS files deleted. */
  filesDeleted: number;
  /** Files whose refcount was corrected. */
  refsFixed: number;
  /** Messages removed because their mailbox no longer exists. */
  orphanMessages: number;
  /** Users whose storageUsed or message count was corrected. */
  storageFixed: number;
  /** Mailboxes whose uidNext/modifyIndex was raised. */
  mailboxesFixed: number;
  /** Documents read (messages, files, chunk owners, users, mailboxes). */
  scanned: number;
}

export interface AttachmentsApi {
  /** Opens a stored body by its SHA-256 (hex); null if missing. */
  open(sha256: string, range?: ByteRange): Promise<ContentStream | null>;
  /** Reference count and size of a stored body; null if missing. */
  stat(sha256: string): Promise<{ sha256: string; size: number; refs: number; complete: boolean } | null>;
}

// ---------------------------------------------------------------------------------------------
// Import marks

/** What imports already stored, per user, by a key the importer derives from folder and bytes. */
export interface ImportMarksApi {
  has(user: Id, key: string): Promise<boolean>;
  /** Marks `key` for `user`; marking twice is harmless. */
  add(user: Id, key: string): Promise<void>;
  /** Forgets every mark of `user` (also done when the user is deleted). */
  clear(user: Id): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Delivery counters

/** The door a message came in by. */
export type DeliveryProtocol = 'lmtp' | 'imap' | 'api';
export interface DeliveryCounts {
  lmtp: number;
  imap: number;
  api: number;
  total: number;
}
export interface DeliveryStats {
  total: DeliveryCounts;
  /** The server's local day. */
  today: DeliveryCounts;
  /** The last minutes, oldest first; `start` in epoch ms. */
  perMinute: Array<DeliveryCounts & { start: number }>;
}

export interface DeliveryStatsApi {
  /** Counts one delivered message (never throws). */
  count(protocol: DeliveryProtocol, now?: Date): Promise<void>;
  read(now?: Date, minutes?: number): Promise<DeliveryStats>;
}

export interface Store {
  readonly users: UsersApi;
  readonly addresses: AddressesApi;
  /** Address → user, disabled and filters, as LMTP needs them at RCPT. */
  readonly recipients: RecipientsApi;
  readonly mailboxes: MailboxesApi;
  readonly messages: MessagesApi;
  readonly attachments: AttachmentsApi;
  readonly importMarks: ImportMarksApi;
  readonly deliveries: DeliveryStatsApi;
  /** Per-user delivery filters, in the order LMTP applies them. */
  readonly filters: Filters;
  /** Per-user vacation autoreplies. */
  readonly autoreplies: Autoreplies;
  /** Every login success and failure (pruned by maintenance). */
  readonly authlog: AuthLog;
  /** Journal reads, beacon subscriptions and the global event feed. */
  readonly notify: Notifier;
  /** Every Redis key and channel name, under the store's prefix (server/notify/redis-keys.ts). */
  readonly keys: RedisKeys;
  /** Redis locks with lease renewal and takeover from dead owners (locks.ts); `lockName` names them. */
  readonly locks: Locks;
  /** Creates every index the store relies on (idempotent). */
  ensureIndexes(): Promise<void>;
  /**
   * Repairs what a crash can leave: deletes attachments no message references (older than the grace),
   * fixes refcounts, removes messages of deleted mailboxes, recounts storageUsed, raises uidNext /
   * modifyIndex above the stored messages. Runs slices to the end of a pass: a pass already under
   * way is finished, then a whole new one runs.
   */
  sweep(opts?: SweepOptions): Promise<SweepReport>;
  /** Deletes now the documents of expunged messages that wait for it (reaper.ts; otherwise a moment
   * after their expunge); returns how many went. */
  reap(): Promise<number>;
  /** Runs one bounded slice of the current sweep pass (starting one if none is under way); the pass
   * position is kept in Redis, so a pass cut short resumes in any process. */
  sweepSlice(opts?: SweepOptions): Promise<{
    report: SweepReport;
    done: boolean;
    /** The phase this slice worked on: messages, files, chunks, users or mailboxes. */
    phase: string;
  }>;
  /**
   * Starts the periodic sweep, the reap of removals a process that died left, and the journal and
   * auth log prunes; returns a stop function. The sweep runs one slice
   * every `sweepSliceEveryMs` (default 5 s) while a pass is under way, and starts a new pass
   * `sweepEveryMs` (default 15 min) after the last one finished.
   */
  startMaintenance(opts?: {
    sweepEveryMs?: number;
    sweepSliceEveryMs?: number;
    pruneEveryMs?: number;
    authlogPruneEveryMs?: number;
  }): () => void;
  /** Stops maintenance timers and the shared Redis subscriber (the Db and Redis stay open). */
  close(): Promise<void>;
}

/** Builds the store on an open database and ioredis client. Call `ensureIndexes()` once at start-up. */
export function createStore(params: CreateStoreParams): Store {
  return createStoreImpl(params);
}

/** Creates every index the store relies on; idempotent, safe to call at every start-up. */
export function ensureIndexes(db: Db): Promise<void> {
  return ensureIndexesImpl(db);
}

export type { Notifier };
export { connectDatabase, type Database } from './connect.ts';
