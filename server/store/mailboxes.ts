// Mailboxes: paths per user, special-use, UIDVALIDITY / uidNext / modifyIndex counters.
// Parents are created implicitly (RFC 3501 §6.3.3 lets a server do so); deleting a mailbox leaves
// its children in place, so a name is never \Noselect.
import { ObjectId } from 'mongodb';
import type { Id, MailboxesApi, MailboxInfo, MailboxStatus, SpecialUse } from './index.ts';
import type { Ctx } from './context.ts';
import type { MailboxDoc } from './docs.ts';
import { StoreError, isDuplicateKey } from './errors.ts';
import { oid } from './ids.ts';
import { escapeRegex, newMailboxPath, normalizePath, parentPaths } from './paths.ts';
import { purgeMailbox } from './removal.ts';
import { lockName } from './locks.ts';
import { DirectoryCache, directoryChanged } from './directory.ts';
import { dropLostSubscription, keepLostSubscription, lostSubscriptions } from './subscriptions.ts';

export const DEFAULT_MAILBOXES: Array<{ path: string; specialUse: SpecialUse | null }> = [
  { path: 'INBOX', specialUse: null },
  { path: 'Drafts', specialUse: '\\Drafts' },
  { path: 'Sent', specialUse: '\\Sent' },
  { path: 'Trash', specialUse: '\\Trash' },
  { path: 'Junk', specialUse: '\\Junk' },
  { path: 'Archive', specialUse: '\\Archive' },
];

const SPECIAL_USES = new Set<string>(['\\Inbox', '\\Drafts', '\\Sent', '\\Trash', '\\Junk', '\\Archive']);

export function toMailboxInfo(d: MailboxDoc): MailboxInfo {
  return {
    id: d._id.toHexString(),
    user: d.user.toHexString(),
    path: d.path,
    specialUse: d.specialUse,
    uidValidity: d.uidValidity,
    uidNext: d.uidNext,
    modifyIndex: d.modifyIndex,
    subscribed: d.subscribed,
    keywords: d.keywords ?? [],
    created: d.created,
  };
}

/** Next UIDVALIDITY for a user: time-based, strictly increasing per user, within 32 bits. */
async function nextUidValidity(ctx: Ctx, user: ObjectId): Promise<number> {
  const floor = Math.floor(Date.now() / 1000) - 1;
  // under the user's lock, as every change of the user document (docs/ARCHITECTURE.md §3): on
  // FerretDB concurrent updates of one document lose each other's changes
  const u = await ctx.locks.with(lockName.user(user), async () => {
    await ctx.users.updateOne(
      { _id: user, lastUidValidity: { $lt: floor } },
      { $set: { lastUidValidity: floor } },
    );
    return ctx.users.findOneAndUpdate(
      { _id: user },
      { $inc: { lastUidValidity: 1 } },
      // no projection: FerretDB's findAndModify does not support one
      { returnDocument: 'after' },
    );
  });
  if (!u) throw new StoreError('NOUSER', 'no such user');
  return u.lastUidValidity >>> 0 || 1;
}

/** A new, empty mailbox document: every mailbox, a user's first ones included, starts as this. */
export function newMailboxDoc(
  user: ObjectId,
  path: string,
  specialUse: SpecialUse | null,
  uidValidity: number,
  subscribed: boolean,
  created = new Date(),
): MailboxDoc {
  return {
    _id: new ObjectId(),
    user,
    path,
    specialUse,
    uidValidity,
    uidNext: 1,
    modifyIndex: 0,
    subscribed,
    created,
  };
}

/**
 * Takes a mailbox away: its document first, under its lock, so no new message can get a UID in
 * it; then its messages and its index. A crash while purging leaves orphan messages that the
 * sweep removes. Returns the document, or null when it was not there (any more).
 */
export async function removeMailbox(ctx: Ctx, id: ObjectId, path?: string): Promise<MailboxDoc | null> {
  const doc = await ctx.locks.with(lockName.mailbox(id), () =>
    ctx.mailboxes.findOneAndDelete(path === undefined ? { _id: id } : { _id: id, path }),
  );
  if (!doc) return null;
  await directoryChanged(ctx);
  await purgeMailbox(ctx, id);
  await ctx.index.drop(id);
  return doc;
}

/** Inserts one mailbox document; EXISTS when the path is taken. */
export async function insertMailbox(
  ctx: Ctx,
  user: ObjectId,
  path: string,
  specialUse: SpecialUse | null,
  subscribed: boolean,
): Promise<MailboxDoc> {
  const doc = newMailboxDoc(user, path, specialUse, await nextUidValidity(ctx, user), subscribed);
  try {
    await ctx.mailboxes.insertOne(doc);
  } catch (err) {
    if (isDuplicateKey(err)) throw new StoreError('EXISTS', `mailbox ${path} already exists`);
    throw err;
  }
  await directoryChanged(ctx);
  await ctx.index.created(doc._id, user);
  await ctx.notify.record([
    {
      user: user.toHexString(),
      mailbox: doc._id.toHexString(),
      modseq: 0,
      command: 'MAILBOX_CREATE',
      uid: 0,
      path,
    },
  ]);
  return doc;
}

/** Creates missing parents of `path` (unsubscribed, no special use). */
async function ensureParents(ctx: Ctx, user: ObjectId, path: string): Promise<void> {
  for (const p of parentPaths(path)) {
    if (await ctx.mailboxes.findOne({ user, path: p }, { projection: { _id: 1 } })) continue;
    try {
      await insertMailbox(ctx, user, p, null, false);
    } catch (err) {
      if (!(err instanceof StoreError && err.code === 'EXISTS')) throw err;
    }
  }
}

/** Moves every message of one mailbox into another (INBOX rename); given by the messages part. */
export type MoveAll = (user: ObjectId, from: ObjectId, to: ObjectId) => Promise<void>;

/** Paths kept per process for `idOf`; a client naming many pushes out the oldest. */
const MAX_PATH_IDS = 10_000;

export class Mailboxes implements MailboxesApi {
  /** (user, path) → mailbox id, under the directory version (directory.ts). */
  private readonly ids: DirectoryCache<string | null>;

  constructor(
    private readonly ctx: Ctx,
    private readonly moveAll: MoveAll,
  ) {
    this.ids = new DirectoryCache(ctx, MAX_PATH_IDS);
  }

  private async userId(user: Id): Promise<ObjectId> {
    const id = oid(user);
    if (!id || !(await this.ctx.users.findOne({ _id: id }, { projection: { _id: 1 } }))) {
      throw new StoreError('NOUSER', 'no such user');
    }
    return id;
  }

  async list(user: Id, opts: { subscribedOnly?: boolean } = {}): Promise<MailboxInfo[]> {
    const id = oid(user);
    if (!id) return [];
    const filter = opts.subscribedOnly ? { user: id, subscribed: true } : { user: id };
    const docs = await this.ctx.mailboxes.find(filter).toArray();
    // INBOX first, then by path in code-point order (not the database's collation)
    return docs
      .sort((a, b) =>
        a.path === 'INBOX' ? -1 : b.path === 'INBOX' ? 1 : a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
      )
      .map(toMailboxInfo);
  }

  async get(user: Id, path: string): Promise<MailboxInfo | null> {
    const id = oid(user);
    if (!id) return null;
    let p: string;
    try {
      p = normalizePath(path);
    } catch {
      return null;
    }
    const d = await this.ctx.mailboxes.findOne({ user: id, path: p });
    return d ? toMailboxInfo(d) : null;
  }

  idOf(user: Id, path: string): Promise<string | null> {
    let p: string;
    try {
      p = normalizePath(path);
    } catch {
      return Promise.resolve(null);
    }
    return this.ids.get(`${user}/${p}`, async () => (await this.get(user, p))?.id ?? null);
  }

  async getById(user: Id, mailbox: Id): Promise<MailboxInfo | null> {
    const u = oid(user);
    const m = oid(mailbox);
    if (!u || !m) return null;
    const d = await this.ctx.mailboxes.findOne({ _id: m, user: u });
    return d ? toMailboxInfo(d) : null;
  }

  async getBySpecialUse(user: Id, use: SpecialUse): Promise<MailboxInfo | null> {
    const id = oid(user);
    if (!id) return null;
    if (use === '\\Inbox') return this.get(user, 'INBOX');
    const d = await this.ctx.mailboxes.findOne({ user: id, specialUse: use }, { sort: { created: 1 } });
    return d ? toMailboxInfo(d) : null;
  }

  async create(
    user: Id,
    path: string,
    opts: { specialUse?: SpecialUse; subscribed?: boolean } = {},
  ): Promise<MailboxInfo> {
    const id = await this.userId(user);
    const p = newMailboxPath(path);
    if (opts.specialUse && !SPECIAL_USES.has(opts.specialUse)) {
      throw new StoreError('INVALID', `unknown special-use ${opts.specialUse}`);
    }
    if (await this.ctx.mailboxes.findOne({ user: id, path: p }, { projection: { _id: 1 } })) {
      throw new StoreError('EXISTS', `mailbox ${p} already exists`);
    }
    await ensureParents(this.ctx, id, p);
    // a name subscribed before its mailbox was deleted is subscribed again (RFC 3501 §6.3.9)
    const lost = (await this.ctx.subscriptions.countDocuments({ user: id, path: p })) > 0;
    const doc = await insertMailbox(
      this.ctx,
      id,
      p,
      opts.specialUse ?? null,
      lost || (opts.subscribed ?? true),
    );
    if (lost) await dropLostSubscription(this.ctx, id, p);
    return toMailboxInfo(doc);
  }

  async rename(user: Id, path: string, newPath: string): Promise<MailboxInfo> {
    const id = await this.userId(user);
    const from = normalizePath(path);
    const to = newMailboxPath(newPath);
    if (from === to) throw new StoreError('CANNOT', 'old and new names are the same');
    if (to === 'INBOX' || to.startsWith(`${from}/`)) {
      throw new StoreError('CANNOT', `cannot rename ${from} to ${to}`);
    }
    const src = await this.ctx.mailboxes.findOne({ user: id, path: from });
    if (!src) throw new StoreError('NOMAILBOX', `no mailbox ${from}`);
    if (await this.ctx.mailboxes.findOne({ user: id, path: to }, { projection: { _id: 1 } })) {
      throw new StoreError('EXISTS', `mailbox ${to} already exists`);
    }

    if (from === 'INBOX') {
      // RFC 3501 §6.3.5: move INBOX's messages to a new mailbox, INBOX stays (empty), children stay
      await ensureParents(this.ctx, id, to);
      const target = await insertMailbox(this.ctx, id, to, null, true);
      await this.moveAll(id, src._id, target._id);
      const after = await this.ctx.mailboxes.findOne({ _id: target._id });
      return toMailboxInfo(after ?? target);
    }

    const children = await this.ctx.mailboxes
      .find({ user: id, path: { $regex: `^${escapeRegex(from)}/` } })
      .toArray();
    const moves = [src, ...children.sort((a, b) => a.path.length - b.path.length)].map((d) => ({
      doc: d,
      newPath: to + d.path.slice(from.length),
    }));
    const clash = await this.ctx.mailboxes.findOne(
      { user: id, path: { $in: moves.map((m) => m.newPath) } },
      { projection: { path: 1 } },
    );
    if (clash) throw new StoreError('EXISTS', `mailbox ${clash.path} already exists`);
    await ensureParents(this.ctx, id, to);
    for (const m of moves) {
      try {
        // under the mailbox's lock: a delivery's UID/MODSEQ update of the same document must not
        // be lost to this one, nor this one to it
        await this.ctx.locks.with(lockName.mailbox(m.doc._id), () =>
          this.ctx.mailboxes.updateOne({ _id: m.doc._id, path: m.doc.path }, { $set: { path: m.newPath } }),
        );
      } catch (err) {
        if (isDuplicateKey(err)) throw new StoreError('EXISTS', `mailbox ${m.newPath} already exists`);
        throw err;
      }
      await directoryChanged(this.ctx);
      await this.ctx.notify.record([
        {
          user: id.toHexString(),
          mailbox: m.doc._id.toHexString(),
          modseq: 0,
          command: 'MAILBOX_RENAME',
          uid: 0,
          path: m.newPath,
          oldPath: m.doc.path,
        },
      ]);
    }
    const after = await this.ctx.mailboxes.findOne({ _id: src._id });
    if (!after) throw new StoreError('NOMAILBOX', `no mailbox ${to}`);
    return toMailboxInfo(after);
  }

  async delete(user: Id, path: string): Promise<void> {
    const id = await this.userId(user);
    const p = normalizePath(path);
    if (p === 'INBOX') throw new StoreError('CANNOT', 'INBOX cannot be deleted');
    const found = await this.ctx.mailboxes.findOne({ user: id, path: p }, { projection: { _id: 1 } });
    const doc = found && (await removeMailbox(this.ctx, found._id, p));
    if (!doc) throw new StoreError('NOMAILBOX', `no mailbox ${p}`);
    // RFC 3501 §6.3.9: the subscription stays until UNSUBSCRIBE
    if (doc.subscribed) await keepLostSubscription(this.ctx, id, p);
    await this.ctx.notify.record([
      {
        user: id.toHexString(),
        mailbox: doc._id.toHexString(),
        modseq: 0,
        command: 'MAILBOX_DELETE',
        uid: 0,
        path: p,
      },
    ]);
  }

  async setSubscribed(user: Id, path: string, subscribed: boolean): Promise<void> {
    const id = await this.userId(user);
    const p = normalizePath(path);
    const found = await this.ctx.mailboxes.findOne({ user: id, path: p }, { projection: { _id: 1 } });
    const res =
      found &&
      (await this.ctx.locks.with(lockName.mailbox(found._id), () =>
        this.ctx.mailboxes.updateOne({ _id: found._id, path: p }, { $set: { subscribed } }),
      ));
    const lost = subscribed ? false : await dropLostSubscription(this.ctx, id, p);
    if ((!res || res.matchedCount === 0) && !lost) throw new StoreError('NOMAILBOX', `no mailbox ${p}`);
  }

  async subscriptions(user: Id): Promise<Array<{ path: string; exists: boolean }>> {
    const id = oid(user);
    if (!id) return [];
    const boxes = await this.ctx.mailboxes
      .find({ user: id, subscribed: true }, { projection: { path: 1 } })
      .toArray();
    const out = boxes.map((b) => ({ path: b.path, exists: true }));
    const known = new Set(out.map((b) => b.path));
    for (const path of await lostSubscriptions(this.ctx, id)) {
      if (!known.has(path)) out.push({ path, exists: false });
    }
    return out;
  }

  async status(user: Id, mailbox: Id): Promise<MailboxStatus> {
    const u = oid(user);
    const m = oid(mailbox);
    // by _id alone, the owner checked here: the one filter FerretDB's SQLite handler passes down
    const d = u && m ? await this.ctx.mailboxes.findOne({ _id: m }) : null;
    if (!d || !d.user.equals(u!)) throw new StoreError('NOMAILBOX', 'no such mailbox');
    // counted from the mailbox index, not from the messages
    const v = await this.ctx.index.current(d._id, d.modifyIndex);
    const { messages, unseen, size } = v ? v.counts() : { messages: 0, unseen: 0, size: 0 };
    return {
      messages,
      unseen,
      size,
      uidNext: d.uidNext,
      uidValidity: d.uidValidity,
      highestModseq: d.modifyIndex,
    };
  }
}
