// Every index the store relies on, for all its collections, created in this one place at start-up. Plain ascending/unique indexes only: FerretDB 1.24
// has no TTL, text or partial indexes, and the journal is pruned by a job instead.
import type { Collection, Db, IndexDescription } from 'mongodb';
import { COLL } from './docs.ts';
import { INDEX_COLLECTION } from './mailbox-index/checkpoint.ts';

const INDEXES: Record<string, IndexDescription[]> = {
  [COLL.users]: [{ key: { username: 1 }, name: 'username', unique: true }],
  [COLL.addresses]: [
    { key: { address: 1 }, name: 'address', unique: true },
    { key: { addrview: 1 }, name: 'addrview' },
    { key: { user: 1 }, name: 'user' },
  ],
  [COLL.mailboxes]: [
    { key: { user: 1, path: 1 }, name: 'user_path', unique: true },
    { key: { user: 1, specialUse: 1 }, name: 'user_specialUse' },
  ],
  [COLL.messages]: [
    { key: { mailbox: 1, uid: 1 }, name: 'mailbox_uid', unique: true },
    { key: { mailbox: 1, idate: 1 }, name: 'mailbox_idate' },
    { key: { mailbox: 1, page: 1 }, name: 'mailbox_page' },
    { key: { attachmentRefs: 1 }, name: 'attachmentRefs' },
  ],
  [COLL.journal]: [
    { key: { mailbox: 1, modseq: 1 }, name: 'mailbox_modseq' },
    { key: { mailbox: 1, span: 1 }, name: 'mailbox_span' },
    { key: { user: 1, created: 1 }, name: 'user_created' },
    { key: { created: 1 }, name: 'created' },
  ],
  [COLL.files]: [
    { key: { 'metadata.sha256': 1 }, name: 'metadata_sha256', unique: true },
    // the index GridFS drivers expect on the files collection
    { key: { filename: 1, uploadDate: 1 }, name: 'filename_1_uploadDate_1' },
  ],
  [COLL.chunks]: [{ key: { files_id: 1, n: 1 }, name: 'files_id_1_n_1', unique: true }],
  [INDEX_COLLECTION]: [{ key: { mailbox: 1 }, name: 'mailbox' }],
  [COLL.packs]: [{ key: { mailbox: 1, page: 1 }, name: 'mailbox_page' }],
  [COLL.removals]: [
    { key: { mailbox: 1 }, name: 'mailbox' },
    { key: { user: 1 }, name: 'user' },
  ],
  [COLL.subscriptions]: [{ key: { user: 1, path: 1 }, name: 'user_path', unique: true }],
  [COLL.importMarks]: [{ key: { user: 1 }, name: 'user' }],
  [COLL.filters]: [{ key: { user: 1, _id: 1 }, name: 'user_id' }],
  [COLL.autoreplies]: [{ key: { user: 1 }, name: 'user', unique: true }],
  [COLL.authlog]: [
    { key: { user: 1, _id: -1 }, name: 'user_id' },
    { key: { created: 1 }, name: 'created' },
  ],
};

/**
 * Indexes earlier versions created that nothing reads any more, dropped where they exist: flags
 * and MODSEQs are not queried on message documents (they live in the mailbox index,
 * docs/ARCHITECTURE.md §3), and messages have no `span`. Every index is written with each insert.
 */
const OBSOLETE: Record<string, string[]> = {
  [COLL.messages]: [
    'mailbox_modseq',
    'mailbox_span',
    'user_mailbox_seen',
    'user_mailbox_deleted',
    'user_mailbox_flagged',
    'user_mailbox_draft_answered',
  ],
};

/**
 * Creates the indexes each collection lacks and drops the obsolete ones it has. Only missing ones
 * are asked for: FerretDB 1.24 panics (and drops the connection) on a createIndexes that names
 * indexes which already exist, which would hit every restart on an existing database.
 */
export async function ensureIndexesImpl(db: Db): Promise<void> {
  for (const [coll, specs] of Object.entries(INDEXES))
    await ensureCollectionIndexes(db.collection(coll), specs, OBSOLETE[coll] ?? []);
}

/** Creates those of `specs` (each named) that `collection` lacks, and drops those of `obsolete`
 * it has. */
export async function ensureCollectionIndexes(
  collection: Collection,
  specs: IndexDescription[],
  obsolete: readonly string[] = [],
): Promise<void> {
  let existing: Set<string>;
  try {
    existing = new Set((await collection.listIndexes().toArray()).map((i) => String(i.name)));
  } catch {
    existing = new Set(); // the collection does not exist yet
  }
  const missing = specs.filter((spec) => !existing.has(spec.name!));
  if (missing.length > 0) await collection.createIndexes(missing);
  for (const name of obsolete) if (existing.has(name)) await collection.dropIndex(name);
}
