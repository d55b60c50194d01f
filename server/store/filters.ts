// Per-user delivery filters (WildDuck's model): a query matched against each incoming message and
// the actions taken when it matches. Applied by LMTP in creation order at delivery.
import { ObjectId, type Db, type Collection } from 'mongodb';
import { z } from 'zod';
import { oid } from './ids.ts';
import { StoreError } from './errors.ts';
import { COLL, type MailboxDoc, type UserDoc } from './docs.ts';
import { lockName, type Locks } from './locks.ts';

export const RELAY_REQUIRED_MESSAGE =
  'no SMTP relay is configured (setting relayUrl / NESTBOX_SMTP_RELAY); forwarding and vacation replies need one';

const text = z.string().trim().min(1).max(255);

export const filterQuerySchema = z
  .object({
    /** Substring of the From header (name or address), case-insensitive. */
    from: text.optional(),
    /** Substring of the To or Cc header. */
    to: text.optional(),
    subject: text.optional(),
    /** Substring of the List-Id header. */
    listId: text.optional(),
    /** Substring of the decoded body text. */
    text: text.optional(),
    /** Has (true) or has no (false) attachment. */
    ha: z.boolean().optional(),
    /** > 0: larger than this many bytes; < 0: smaller than its absolute value. */
    size: z.number().int().optional(),
  })
  .strict();

export const filterActionSchema = z
  .object({
    /** Store as \Seen. */
    seen: z.boolean().optional(),
    /** Store as \Flagged. */
    flag: z.boolean().optional(),
    /** Discard: the message is acknowledged and not stored. */
    delete: z.boolean().optional(),
    /** true: to Junk; false: never to Junk, even with a spam verdict header. */
    spam: z.boolean().optional(),
    /** Target mailbox id (INBOX when it no longer exists). */
    mailbox: z
      .string()
      .regex(/^[0-9a-f]{24}$/i, 'must be a mailbox id')
      .optional(),
    /** Forward a copy to these addresses (needs the SMTP relay). */
    targets: z.array(z.email()).max(20).optional(),
  })
  .strict();

export const filterInputSchema = z
  .object({
    name: z.string().trim().max(255).optional(),
    query: filterQuerySchema,
    action: filterActionSchema,
    disabled: z.boolean().optional(),
  })
  .strict();

export const filterUpdateSchema = filterInputSchema.partial();

export type FilterQuery = z.infer<typeof filterQuerySchema>;
export type FilterAction = z.infer<typeof filterActionSchema>;
export type FilterInput = z.input<typeof filterInputSchema>;
export type FilterUpdate = z.input<typeof filterUpdateSchema>;

export interface FilterInfo {
  id: string;
  name: string;
  query: FilterQuery;
  action: FilterAction;
  disabled: boolean;
  created: Date;
}

interface FilterDoc {
  _id: ObjectId;
  user: ObjectId;
  name: string;
  query: FilterQuery;
  action: FilterAction;
  disabled: boolean;
  created: Date;
}

/** Most filters a user may have; each one is evaluated for every delivery. */
export const MAX_FILTERS_PER_USER = 100;

function parse<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new StoreError('INVALID', `${issue.path.join('.') || 'input'}: ${issue.message}`);
}

function toInfo(doc: FilterDoc): FilterInfo {
  return {
    id: doc._id.toHexString(),
    name: doc.name,
    query: doc.query,
    action: doc.action,
    disabled: doc.disabled,
    created: doc.created,
  };
}

export class Filters {
  private readonly col: Collection<FilterDoc>;
  private readonly mailboxes: Collection<MailboxDoc>;
  private readonly users: Collection<UserDoc>;
  private readonly relayConfigured: boolean;

  /**
   * Without a configured SMTP relay (`relayConfigured` false), filters that forward are refused.
   * `locks` are the store's: a user's first filter clears its `noFilters` under the user's lock.
   */
  constructor(
    db: Db,
    private readonly locks: Locks,
    opts: { relayConfigured?: boolean } = {},
    /** Called after every change (server/store/recipients.ts caches filters for delivery). */
    private readonly changed: () => Promise<void> = async () => undefined,
  ) {
    this.col = db.collection<FilterDoc>(COLL.filters);
    this.mailboxes = db.collection<MailboxDoc>(COLL.mailboxes);
    this.users = db.collection<UserDoc>(COLL.users);
    this.relayConfigured = opts.relayConfigured ?? false;
  }

  /** The user's filters in the order they apply (creation order). */
  async list(user: string): Promise<FilterInfo[]> {
    const u = oid(user);
    if (!u) return [];
    const docs = await this.col.find({ user: u }).sort({ _id: 1 }).limit(MAX_FILTERS_PER_USER).toArray();
    return docs.map(toInfo);
  }

  async get(user: string, id: string): Promise<FilterInfo | null> {
    const u = oid(user);
    const f = oid(id);
    if (!u || !f) return null;
    const doc = await this.col.findOne({ _id: f, user: u });
    return doc ? toInfo(doc) : null;
  }

  async create(user: string, input: FilterInput): Promise<FilterInfo> {
    const u = oid(user);
    if (!u) throw new StoreError('INVALID', 'user: not a user id');
    const data = parse(filterInputSchema, input);
    this.checkRelay(data.action);
    await this.checkMailbox(u, data.action);
    if ((await this.col.countDocuments({ user: u })) >= MAX_FILTERS_PER_USER) {
      throw new StoreError('INVALID', `a user may have at most ${MAX_FILTERS_PER_USER} filters`);
    }
    const doc: FilterDoc = {
      _id: new ObjectId(),
      user: u,
      name: data.name ?? '',
      query: data.query,
      action: data.action,
      disabled: data.disabled ?? false,
      created: new Date(),
    };
    // before the insert, so a delivery that still finds `noFilters` true cannot miss this filter;
    // under the user's lock, as every update of a user document (FerretDB: docs/ARCHITECTURE.md §3)
    await this.locks.with(lockName.user(u), () =>
      this.users.updateOne({ _id: u, noFilters: true }, { $unset: { noFilters: '' } }),
    );
    await this.col.insertOne(doc);
    await this.changed();
    return toInfo(doc);
  }

  /** Replaces the given fields; null when there is no such filter. */
  async update(user: string, id: string, input: FilterUpdate): Promise<FilterInfo | null> {
    const u = oid(user);
    const f = oid(id);
    if (!u || !f) return null;
    const data = parse(filterUpdateSchema, input);
    if (data.action) this.checkRelay(data.action);
    if (data.action) {
      if (!(await this.get(user, id))) return null;
      await this.checkMailbox(u, data.action);
    }
    const set: Partial<FilterDoc> = {};
    if (data.name !== undefined) set.name = data.name;
    if (data.query !== undefined) set.query = data.query;
    if (data.action !== undefined) set.action = data.action;
    if (data.disabled !== undefined) set.disabled = data.disabled;
    if (Object.keys(set).length === 0) return this.get(user, id);
    const doc = await this.col.findOneAndUpdate(
      { _id: f, user: u },
      { $set: set },
      { returnDocument: 'after' },
    );
    if (doc) await this.changed();
    return doc ? toInfo(doc) : null;
  }

  async delete(user: string, id: string): Promise<boolean> {
    const u = oid(user);
    const f = oid(id);
    if (!u || !f) return false;
    const r = await this.col.deleteOne({ _id: f, user: u });
    if (r.deletedCount === 1) await this.changed();
    return r.deletedCount === 1;
  }

  /** A filter may only file into its own user's mailboxes. */
  private async checkMailbox(user: ObjectId, action: FilterAction): Promise<void> {
    if (action.mailbox === undefined) return;
    const box = oid(action.mailbox);
    const own = box && (await this.mailboxes.findOne({ _id: box, user }, { projection: { _id: 1 } }));
    if (!own) throw new StoreError('NOMAILBOX', 'action.mailbox: no such mailbox');
  }

  private checkRelay(action: FilterAction): void {
    if (action.targets?.length && !this.relayConfigured) {
      throw new StoreError('RELAY_REQUIRED', RELAY_REQUIRED_MESSAGE);
    }
  }
}
