// Users: bcrypt passwords, application-specific passwords, quota and storageUsed, the message
// limit and the message count.
import { randomInt } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { ObjectId, type Filter } from 'mongodb';
import type {
  AspInfo,
  AspScope,
  AuthResult,
  AuthScope,
  CreateUserInput,
  Id,
  ListUsersQuery,
  UpdateUserInput,
  UserInfo,
  UsersApi,
} from './index.ts';
import type { Ctx } from './context.ts';
import { COLL, type AspDoc, type UserDoc } from './docs.ts';
import { StoreError, isDuplicateKey } from './errors.ts';
import { oid } from './ids.ts';
import { addressView, normalizeAddress } from './addresses.ts';
import { DEFAULT_MAILBOXES, newMailboxDoc, removeMailbox } from './mailboxes.ts';
import { purgeMailbox } from './removal.ts';
import { escapeRegex } from './paths.ts';
import { lockName } from './locks.ts';
import { directoryChanged } from './directory.ts';
import { safeString } from './bson-safe.ts';
import { countUserMessages, messageCount } from './message-count.ts';

const USERNAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const ASP_SCOPES = new Set<string>(['imap', 'pop3', 'smtp', '*']);
const MAX_PASSWORD = 256;

/** A hash to compare against when the user is unknown, so timing does not tell. */
let dummyHash: string | null = null;
function getDummyHash(rounds: number): string {
  dummyHash ??= bcrypt.hashSync('nestbox-no-such-user', rounds);
  return dummyHash;
}

export function toUserInfo(d: UserDoc): UserInfo {
  return {
    id: d._id.toHexString(),
    username: d.username,
    name: d.name,
    address: d.address,
    quota: d.quota,
    storageUsed: d.storageUsed,
    messageQuota: d.messageQuota ?? 0,
    messagesUsed: d.messagesUsed ?? 0,
    disabled: d.disabled,
    hasPassword: d.password !== null,
    created: d.created,
  };
}

function toAspInfo(a: AspDoc): AspInfo {
  return {
    id: a.id.toHexString(),
    description: a.description,
    scopes: a.scopes,
    created: a.created,
    lastUse: a.lastUse,
  };
}

function checkQuota(q: unknown): number {
  if (typeof q !== 'number' || !Number.isSafeInteger(q) || q < 0) {
    throw new StoreError('INVALID', 'quota must be a whole number of bytes ≥ 0');
  }
  return q;
}

function checkMessageQuota(q: unknown): number {
  if (typeof q !== 'number' || !Number.isSafeInteger(q) || q < 0) {
    throw new StoreError('INVALID', 'messageQuota must be a whole number of messages ≥ 0');
  }
  return q;
}

function checkPassword(p: unknown): string {
  if (typeof p !== 'string' || p.length === 0 || p.length > MAX_PASSWORD) {
    throw new StoreError('INVALID', `password must be 1–${MAX_PASSWORD} characters`);
  }
  return p;
}

export class Users implements UsersApi {
  constructor(private readonly ctx: Ctx) {}

  private hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.ctx.opts.bcryptRounds);
  }

  async create(input: CreateUserInput): Promise<UserInfo> {
    const username = String(input.username ?? '').toLowerCase();
    if (!USERNAME.test(username)) {
      throw new StoreError(
        'INVALID',
        'username must be 1–64 characters of a-z 0-9 . _ - starting with a letter or digit',
      );
    }
    const quota = checkQuota(input.quota ?? this.ctx.opts.defaultQuota);
    const messageQuota = checkMessageQuota(input.messageQuota ?? 0);
    const address = input.address === undefined ? null : normalizeAddress(input.address);
    if (address?.startsWith('*@')) throw new StoreError('INVALID', 'a catch-all cannot be a primary address');
    if (address && (await this.ctx.addresses.findOne({ address }, { projection: { _id: 1 } }))) {
      throw new StoreError('EXISTS', `address ${address} is already taken`);
    }
    const password = input.password == null ? null : await this.hash(checkPassword(input.password));
    const now = new Date();
    const first = Math.floor(now.getTime() / 1000);
    const doc: UserDoc = {
      _id: new ObjectId(),
      username,
      name: safeString(String(input.name ?? '')),
      password,
      address,
      quota,
      storageUsed: 0,
      messageQuota,
      messagesUsed: 0,
      disabled: input.disabled ?? false,
      noFilters: true,
      asps: [],
      aspsV: 0,
      lastUidValidity: first + DEFAULT_MAILBOXES.length - 1,
      created: now,
    };
    try {
      await this.ctx.users.insertOne(doc);
    } catch (err) {
      if (isDuplicateKey(err)) throw new StoreError('EXISTS', `user ${username} already exists`);
      throw err;
    }
    const boxes = DEFAULT_MAILBOXES.map((m, i) =>
      newMailboxDoc(doc._id, m.path, m.specialUse, first + i, true, now),
    );
    await this.ctx.mailboxes.insertMany(boxes);
    await Promise.all(boxes.map((b) => this.ctx.index.created(b._id, doc._id)));
    if (address) {
      try {
        await this.ctx.addresses.insertOne({
          _id: new ObjectId(),
          user: doc._id,
          address,
          addrview: addressView(address),
          created: now,
        });
      } catch (err) {
        // lost a race for the address: undo the user so the call has no effect
        await this.delete(doc._id.toHexString()).catch(() => undefined);
        if (isDuplicateKey(err)) throw new StoreError('EXISTS', `address ${address} is already taken`);
        throw err;
      }
      // an address that was unknown is now someone's
      await directoryChanged(this.ctx);
    }
    return toUserInfo(doc);
  }

  private async doc(id: Id): Promise<UserDoc | null> {
    const _id = oid(id);
    if (!_id) return null;
    // what this process counted for the user and has not written yet (usage.ts)
    await this.ctx.usage.flush(_id);
    return this.ctx.users.findOne({ _id });
  }

  /** The user as the API and IMAP show it; a user stored before the message count existed has
   * it counted now (once). */
  private async info(d: UserDoc): Promise<UserInfo> {
    if (d.messagesUsed === undefined) d.messagesUsed = await messageCount(this.ctx, d._id);
    return toUserInfo(d);
  }

  async get(id: Id): Promise<UserInfo | null> {
    const d = await this.doc(id);
    return d ? this.info(d) : null;
  }

  async recipient(id: Id): Promise<{ user: UserInfo; mayHaveFilters: boolean } | null> {
    const d = await this.doc(id);
    return d ? { user: await this.info(d), mayHaveFilters: d.noFilters !== true } : null;
  }

  async getByUsername(username: string): Promise<UserInfo | null> {
    const d = await this.ctx.users.findOne({ username: String(username).toLowerCase() });
    if (!d) return null;
    // read again through `get` only when this process has counts not written yet (usage.ts)
    return this.ctx.usage.holds(d._id) ? this.get(d._id.toHexString()) : this.info(d);
  }

  async list(q: ListUsersQuery = {}): Promise<{ total: number; users: UserInfo[] }> {
    const filter: Filter<UserDoc> = q.query
      ? { username: { $regex: escapeRegex(q.query.toLowerCase()) } }
      : {};
    await this.ctx.usage.flush();
    const total = await this.ctx.users.countDocuments(filter);
    const docs = await this.ctx.users
      .find(filter)
      .sort({ username: 1 })
      .skip(q.skip ?? 0)
      .limit(q.limit ?? 100)
      .toArray();
    const users: UserInfo[] = [];
    for (const d of docs) users.push(await this.info(d));
    return { total, users };
  }

  async update(id: Id, changes: UpdateUserInput): Promise<UserInfo> {
    const d = await this.doc(id);
    if (!d) throw new StoreError('NOUSER', 'no such user');
    const set: Partial<UserDoc> = {};
    if (changes.name !== undefined) set.name = safeString(String(changes.name));
    if (changes.quota !== undefined) set.quota = checkQuota(changes.quota);
    if (changes.messageQuota !== undefined) set.messageQuota = checkMessageQuota(changes.messageQuota);
    if (changes.disabled !== undefined) set.disabled = Boolean(changes.disabled);
    if (changes.password !== undefined) {
      set.password = changes.password === null ? null : await this.hash(checkPassword(changes.password));
    }
    if (changes.address !== undefined) {
      const a = normalizeAddress(changes.address);
      if (!(await this.ctx.addresses.findOne({ user: d._id, address: a }))) {
        throw new StoreError('INVALID', `${a} is not one of the user's addresses`);
      }
      set.address = a;
    }
    if (Object.keys(set).length) {
      await this.ctx.locks.with(lockName.user(d._id), () =>
        this.ctx.users.updateOne({ _id: d._id }, { $set: set }),
      );
      await directoryChanged(this.ctx);
    }
    const after = await this.ctx.users.findOne({ _id: d._id });
    if (!after) throw new StoreError('NOUSER', 'no such user');
    return this.info(after);
  }

  async delete(id: Id): Promise<void> {
    const d = await this.doc(id);
    if (!d) throw new StoreError('NOUSER', 'no such user');
    // disable first so no login or delivery starts while the data goes away
    await this.ctx.locks.with(lockName.user(d._id), () =>
      this.ctx.users.updateOne({ _id: d._id }, { $set: { disabled: true } }),
    );
    await directoryChanged(this.ctx);
    await this.ctx.addresses.deleteMany({ user: d._id });
    await this.ctx.subscriptions.deleteMany({ user: d._id });
    for (const coll of [COLL.importMarks, COLL.filters, COLL.autoreplies, COLL.authlog])
      await this.ctx.db.collection(coll).deleteMany({ user: d._id });
    const boxes = await this.ctx.mailboxes.find({ user: d._id }, { projection: { _id: 1 } }).toArray();
    for (const b of boxes) await removeMailbox(this.ctx, b._id);
    // messages whose mailbox vanished earlier (a crashed delete) still hold references
    for (;;) {
      const rest = await this.ctx.messages
        .find({ user: d._id }, { projection: { mailbox: 1 } })
        .limit(1)
        .toArray();
      const m = rest[0];
      if (!m) break;
      await purgeMailbox(this.ctx, m.mailbox);
      await this.ctx.index.drop(m.mailbox);
    }
    await this.ctx.notify.dropUser(d._id.toHexString());
    await this.ctx.users.deleteOne({ _id: d._id });
    await directoryChanged(this.ctx);
  }

  private async findLogin(login: string): Promise<UserDoc | null> {
    const l = String(login ?? '').trim();
    if (!l || l.length > 320) return null;
    if (!l.includes('@')) return this.ctx.users.findOne({ username: l.toLowerCase() });
    let a: string;
    try {
      a = normalizeAddress(l);
    } catch {
      return null;
    }
    if (a.startsWith('*@')) return null;
    const addr = await this.ctx.addresses.findOne({ address: a });
    return addr ? this.ctx.users.findOne({ _id: addr.user }) : null;
  }

  async resolveLogin(login: string): Promise<Id | null> {
    const u = await this.findLogin(login);
    return u ? u._id.toHexString() : null;
  }

  async authenticate(login: string, password: string, scope: AuthScope): Promise<AuthResult | null> {
    const u = await this.findLogin(login);
    return this.verify(u, password, scope);
  }

  async verifyPassword(id: Id, password: string, scope: AuthScope): Promise<AuthResult | null> {
    return this.verify(await this.doc(id), password, scope);
  }

  private async verify(u: UserDoc | null, password: string, scope: AuthScope): Promise<AuthResult | null> {
    if (typeof password !== 'string' || password.length === 0 || password.length > MAX_PASSWORD) return null;
    if (!u || u.disabled) {
      // same work as a real check
      await bcrypt.compare(password, getDummyHash(this.ctx.opts.bcryptRounds));
      return null;
    }
    const base = { user: u._id.toHexString(), username: u.username, scope };
    if (u.password && (await bcrypt.compare(password, u.password))) {
      return { ...base, method: 'password', asp: null };
    }
    // application passwords are shown grouped ("abcd efgh …"); accept them with or without spaces
    const compact = password.replace(/\s+/g, '');
    for (const a of u.asps ?? []) {
      if (!a.scopes.includes('*') && !a.scopes.includes(scope as AspScope)) continue;
      if (await bcrypt.compare(compact, a.hash)) {
        await this.touchAsp(u._id, a.id);
        return { ...base, method: 'asp', asp: a.id.toHexString() };
      }
    }
    return null;
  }

  /** Read-modify-write of `asps` under the user's lock (FerretDB has no positional `$`). */
  private async editAsps(
    user: ObjectId,
    edit: (asps: AspDoc[]) => AspDoc[] | null,
  ): Promise<AspDoc[] | null> {
    return this.ctx.locks.with(lockName.user(user), async () => {
      const u = await this.ctx.users.findOne({ _id: user }, { projection: { asps: 1, aspsV: 1 } });
      if (!u) throw new StoreError('NOUSER', 'no such user');
      const next = edit(u.asps ?? []);
      if (!next) return null;
      await this.ctx.users.updateOne({ _id: user }, { $set: { asps: next, aspsV: (u.aspsV ?? 0) + 1 } });
      return next;
    });
  }

  private async touchAsp(user: ObjectId, asp: ObjectId): Promise<void> {
    const now = new Date();
    await this.editAsps(user, (asps) =>
      asps.some((a) => a.id.equals(asp))
        ? asps.map((a) => (a.id.equals(asp) ? { ...a, lastUse: now } : a))
        : null,
    ).catch(() => undefined);
  }

  async createAsp(
    id: Id,
    input: { description: string; scopes: AspScope[] },
  ): Promise<{ asp: AspInfo; password: string }> {
    const d = await this.doc(id);
    if (!d) throw new StoreError('NOUSER', 'no such user');
    const scopes = [...new Set(input.scopes)];
    if (scopes.length === 0 || scopes.some((s) => !ASP_SCOPES.has(s))) {
      throw new StoreError('INVALID', 'scopes must be a non-empty list of imap, pop3, smtp, *');
    }
    const alphabet = 'abcdefghijklmnopqrstuvwxyz';
    let password = '';
    for (let i = 0; i < 16; i++) password += alphabet[randomInt(alphabet.length)];
    const asp: AspDoc = {
      id: new ObjectId(),
      description: safeString(String(input.description ?? '').slice(0, 256)),
      scopes: scopes.includes('*') ? ['*'] : scopes,
      hash: await this.hash(password),
      created: new Date(),
      lastUse: null,
    };
    await this.editAsps(d._id, (asps) => [...asps, asp]);
    return { asp: toAspInfo(asp), password };
  }

  async listAsps(id: Id): Promise<AspInfo[]> {
    const d = await this.doc(id);
    if (!d) throw new StoreError('NOUSER', 'no such user');
    return (d.asps ?? []).map(toAspInfo);
  }

  async deleteAsp(id: Id, aspId: Id): Promise<boolean> {
    const d = await this.doc(id);
    const a = oid(aspId);
    if (!d) throw new StoreError('NOUSER', 'no such user');
    if (!a) return false;
    const res = await this.editAsps(d._id, (asps) =>
      asps.some((x) => x.id.equals(a)) ? asps.filter((x) => !x.id.equals(a)) : null,
    );
    return res !== null;
  }

  async recountStorage(id: Id): Promise<number> {
    const d = await this.doc(id);
    if (!d) throw new StoreError('NOUSER', 'no such user');
    return recountUserStorage(this.ctx, d._id);
  }
}

/**
 * Sets storageUsed to the sum of the user's message sizes and messagesUsed to their number. Exact
 * when no add/expunge of that user runs at the same moment (a concurrent one can make it off by
 * that message until the next recount).
 */
export async function recountUserStorage(ctx: Ctx, user: ObjectId): Promise<number> {
  await ctx.usage.flush(user);
  return ctx.locks.with(lockName.user(user), async () => {
    const { bytes, messages } = await countUserMessages(ctx, user);
    await ctx.users.updateOne({ _id: user }, { $set: { storageUsed: bytes, messagesUsed: messages } });
    return bytes;
  });
}
