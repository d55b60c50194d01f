// Document shapes of the store's collections. All BSON-safe for FerretDB: no nested arrays, no keys
// with `.` or a leading `$` (header names are values), raw bytes as Binary.
import type { Binary, ObjectId } from 'mongodb';
import type { AspScope, SpecialUse } from './index.ts';
import type { AddressValue, AttachmentInfo } from './mime.ts';

export const COLL = {
  users: 'users',
  addresses: 'addresses',
  mailboxes: 'mailboxes',
  messages: 'messages',
  /** The change log (journal.ts). */
  journal: 'journal',
  /** GridFS bucket `attachments`. */
  files: 'attachments.files',
  chunks: 'attachments.chunks',
  /** Subscriptions whose mailbox was deleted (subscriptions.ts). */
  subscriptions: 'subscriptions',
  /** What imports already stored (import-marks.ts). */
  importMarks: 'importmarks',
  /** Delivery filters (filters.ts). */
  filters: 'filters',
  /** Vacation autoreplies, one per user (autoreply.ts). */
  autoreplies: 'autoreplies',
  /** Login successes and failures (authlog.ts). */
  authlog: 'authlog',
  /** Page packs: a derived copy of small messages' bytes and text, per closed page (packs.ts). */
  packs: 'packs',
  /** Expunged messages whose documents are still to be deleted (reaper.ts). */
  removals: 'removals',
} as const;

/** The write concern of every write that stores or takes away mail: acknowledged means durable. */
export const DURABLE = { writeConcern: { w: 'majority' as const, j: true } };

/** `_id` is `<user id>:<import key>`. */
export interface ImportMarkDoc {
  _id: string;
  user: ObjectId;
  created: Date;
}

export interface AspDoc {
  id: ObjectId;
  description: string;
  scopes: AspScope[];
  hash: string;
  created: Date;
  lastUse: Date | null;
}

export interface UserDoc {
  _id: ObjectId;
  /** Lower-case, unique. */
  username: string;
  name: string;
  /** bcrypt hash; null = no account password. */
  password: string | null;
  /** Primary address. */
  address: string | null;
  /** Bytes, 0 = unlimited. */
  quota: number;
  /** Sum of the sizes of the user's messages, kept with $inc. */
  storageUsed: number;
  /** Most messages the user may hold; absent or 0 = unlimited (RFC 9208 MESSAGE). */
  messageQuota?: number;
  /** Number of the user's messages, kept with $inc beside storageUsed. Absent in users stored
   * before it existed: counted once, when first needed, and stored (`users.ts` messageCount). */
  messagesUsed?: number;
  disabled: boolean;
  /** True from creation until the user's first filter: cleared under the user's lock before that
   * filter is inserted and never set again, so a delivery that reads it true knows without a read
   * that there are no filters. Absent in users stored before it existed: their filters are read. */
  noFilters?: boolean;
  asps: AspDoc[];
  /** Bumped on every change of `asps` (compare-and-set: FerretDB has no positional `$`). */
  aspsV: number;
  /** Last UIDVALIDITY handed out to one of the user's mailboxes (strictly increasing). */
  lastUidValidity: number;
  created: Date;
}

export interface AddressDoc {
  _id: ObjectId;
  user: ObjectId;
  address: string;
  addrview: string;
  created: Date;
}

export interface MailboxDoc {
  _id: ObjectId;
  user: ObjectId;
  path: string;
  specialUse: SpecialUse | null;
  uidValidity: number;
  /** Next UID to give out. */
  uidNext: number;
  /** Highest MODSEQ given out. */
  modifyIndex: number;
  subscribed: boolean;
  /** Keywords used in the mailbox, in the order first used (keywords.ts); absent on older documents. */
  keywords?: string[];
  created: Date;
}

export interface SubscriptionDoc {
  _id: ObjectId;
  user: ObjectId;
  path: string;
  created: Date;
}

export type { AddressValue };

export interface MessageDoc {
  _id: ObjectId;
  user: ObjectId;
  mailbox: ObjectId;
  uid: number;
  modseq: number;
  /** Internal date. */
  idate: Date;
  /** Date header (idate when missing). */
  hdate: Date;
  size: number;
  flags: string[];
  seen: boolean;
  flagged: boolean;
  deleted: boolean;
  draft: boolean;
  answered: boolean;
  msgid: string | null;
  inReplyTo: string | null;
  references: string[];
  subject: string;
  from: AddressValue[];
  to: AddressValue[];
  cc: AddressValue[];
  bcc: AddressValue[];
  replyTo: AddressValue[];
  sender: AddressValue[];
  /** BSON of the MIME tree (see content.ts). */
  content: Binary;
  /** BSON of the header fields and the decoded text (see content.ts). */
  searchable: Binary;
  envelope: string;
  bodystructure: string;
  body: string;
  intro: string;
  attachments: AttachmentInfo[];
  hasAttachments: boolean;
  /** Distinct SHA-256 of the GridFS bodies this message holds one reference to each. */
  attachmentRefs: string[];
  /** `uid >>> PAGE_SHIFT` (packs.ts): messages read together are found by one equality
   * on (mailbox, page). Absent on messages stored before it existed. */
  page?: number;
  created: Date;
}

/** One closed page's small messages, packed (packs.ts). `_id` is `<mailbox hex>.<page>`. */
export interface PackDoc {
  _id: string;
  mailbox: ObjectId;
  page: number;
  uids: number[];
  /** BSON of `{ items: PackItem[] }`. */
  data: Binary;
  created: Date;
}

/** Messages an expunge took out of a mailbox, whose documents the reaper deletes (reaper.ts). */
export interface RemovalDoc {
  _id: ObjectId;
  user: ObjectId;
  mailbox: ObjectId;
  /** The UIDs they had in `mailbox`. */
  uids: number[];
  created: Date;
}

export interface FileMeta {
  sha256: string;
  /** Number of messages referencing this body. */
  refs: number;
  /** All chunks written. */
  complete: boolean;
  contentType: string;
  /** Bumped on every change. */
  v: number;
  /** Random token of the add that created the document and writes its chunks. */
  writer?: string;
  lastChange: Date;
}

/** GridFS files document (bucket `attachments`). */
export interface FileDoc {
  _id: ObjectId;
  length: number;
  chunkSize: number;
  uploadDate: Date;
  filename: string;
  metadata: FileMeta;
}

export interface ChunkDoc {
  /** "<files _id hex>:<n>" (see chunks.ts); ObjectId for chunks written by other GridFS writers. */
  _id: ObjectId | string;
  files_id: ObjectId;
  n: number;
  data: Binary;
}
