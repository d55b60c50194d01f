// Addresses: unique, normalised (NFC, lower-case); `user+tag@domain` resolves to `user@domain`;
// `*@domain` is a catch-all.
import { domainToUnicode } from 'node:url';
import { ObjectId } from 'mongodb';
import type { AddressClaimProblem, AddressesApi, AddressInfo, Id } from './index.ts';
import { directoryChanged } from './directory.ts';
import type { Ctx } from './context.ts';
import type { AddressDoc } from './docs.ts';
import { StoreError, isDuplicateKey } from './errors.ts';
import { oid } from './ids.ts';
import { lockName } from './locks.ts';
import { escapeRegex } from './paths.ts';

function splitAddress(address: string): [string, string] | null {
  const s = String(address ?? '')
    .trim()
    .replace(/^<(.*)>$/, '$1');
  const at = s.lastIndexOf('@');
  if (at <= 0 || at === s.length - 1) return null;
  const local = s.slice(0, at);
  let domain = s.slice(at + 1).toLowerCase();
  if (domain.split('.').some((l) => l.startsWith('xn--'))) domain = domainToUnicode(domain) || domain;
  // NUL and whitespace would make an address that no SMTP path can carry
  if (/[\s\0]/.test(local) || /[\s\0@]/.test(domain)) return null;
  return [local, domain];
}

/** Normalised form: NFC, lower-case local part and domain, IDN domains as Unicode. Throws INVALID. */
export function normalizeAddress(address: string): string {
  const parts = splitAddress(address);
  if (!parts) throw new StoreError('INVALID', `invalid address: ${String(address)}`);
  return `${parts[0].normalize('NFC').toLowerCase()}@${parts[1].normalize('NFC')}`;
}

/** Unicode-folded lookup view: NFKC, lower-case, without a `+tag`. */
export function addressView(address: string): string {
  const n = normalizeAddress(address);
  const at = n.lastIndexOf('@');
  let local = n.slice(0, at).normalize('NFKC').toLowerCase();
  const plus = local.indexOf('+');
  if (plus > 0) local = local.slice(0, plus);
  return `${local}@${n
    .slice(at + 1)
    .normalize('NFKC')
    .toLowerCase()}`;
}

export function toAddressInfo(d: AddressDoc): AddressInfo {
  return {
    id: d._id.toHexString(),
    user: d.user.toHexString(),
    address: d.address,
    addrview: d.addrview,
    created: d.created,
  };
}

export class Addresses implements AddressesApi {
  constructor(private readonly ctx: Ctx) {}

  async add(user: Id, address: string, opts: { main?: boolean } = {}): Promise<AddressInfo> {
    const uid = oid(user);
    const u = uid && (await this.ctx.users.findOne({ _id: uid }, { projection: { _id: 1, address: 1 } }));
    if (!uid || !u) throw new StoreError('NOUSER', 'no such user');
    const doc: AddressDoc = {
      _id: new ObjectId(),
      user: uid,
      address: normalizeAddress(address),
      addrview: addressView(address),
      created: new Date(),
    };
    try {
      await this.ctx.addresses.insertOne(doc);
    } catch (err) {
      if (isDuplicateKey(err)) throw new StoreError('EXISTS', `address ${doc.address} is already taken`);
      throw err;
    }
    if ((opts.main || !u.address) && !doc.address.startsWith('*@')) {
      await this.ctx.locks.with(lockName.user(uid), () =>
        this.ctx.users.updateOne({ _id: uid }, { $set: { address: doc.address } }),
      );
    }
    await directoryChanged(this.ctx);
    return toAddressInfo(doc);
  }

  async claimProblem(user: Id, address: string): Promise<AddressClaimProblem | null> {
    const n = normalizeAddress(address);
    if (n.startsWith('*@')) return 'catch-all';
    // a served domain is one that some address is already in: domains come in through an admin
    const domain = n.slice(n.lastIndexOf('@') + 1);
    const served = await this.ctx.addresses.findOne(
      { address: { $regex: `@${escapeRegex(domain)}$` } },
      { projection: { _id: 1 } },
    );
    if (!served) return 'foreign-domain';
    // `bob+x@d` and `ｂob@d` are bob's: compare the folded view, which drops the +tag
    const uid = oid(user);
    const other = await this.ctx.addresses.findOne(
      { addrview: addressView(n), ...(uid ? { user: { $ne: uid } } : {}) },
      { projection: { _id: 1 } },
    );
    return other ? 'taken' : null;
  }

  async list(user: Id): Promise<AddressInfo[]> {
    const uid = oid(user);
    if (!uid) return [];
    const docs = await this.ctx.addresses.find({ user: uid }).sort({ address: 1 }).toArray();
    return docs.map(toAddressInfo);
  }

  async get(address: string): Promise<AddressInfo | null> {
    let n: string;
    try {
      n = normalizeAddress(address);
    } catch {
      return null;
    }
    const d = await this.ctx.addresses.findOne({ address: n });
    return d ? toAddressInfo(d) : null;
  }

  async delete(user: Id, address: string): Promise<boolean> {
    const uid = oid(user);
    if (!uid) return false;
    let n: string;
    try {
      n = normalizeAddress(address);
    } catch {
      return false;
    }
    const res = await this.ctx.addresses.deleteOne({ user: uid, address: n });
    if (res.deletedCount === 0) return false;
    await directoryChanged(this.ctx);
    await this.ctx.locks.with(lockName.user(uid), async () => {
      const u = await this.ctx.users.findOne({ _id: uid }, { projection: { address: 1 } });
      if (!u || u.address !== n) return;
      const other = await this.ctx.addresses.findOne(
        { user: uid, address: { $not: /^\*@/ } },
        { sort: { created: 1 } },
      );
      await this.ctx.users.updateOne({ _id: uid }, { $set: { address: other ? other.address : null } });
    });
    return true;
  }

  async resolve(address: string): Promise<{ user: Id; address: string } | null> {
    let n: string;
    try {
      n = normalizeAddress(address);
    } catch {
      return null;
    }
    const at = n.lastIndexOf('@');
    const local = n.slice(0, at);
    const domain = n.slice(at + 1);
    const candidates = [n];
    const plus = local.indexOf('+');
    if (plus > 0) candidates.push(`${local.slice(0, plus)}@${domain}`);
    candidates.push(`*@${domain}`);
    for (const c of candidates) {
      const d = await this.ctx.addresses.findOne({ address: c });
      if (d) return { user: d.user.toHexString(), address: d.address };
    }
    // last resort: the Unicode-folded view (e.g. full-width or compatibility characters)
    const view = addressView(n);
    const found = await this.ctx.addresses
      .find({ addrview: view, address: { $not: /^\*@/ } })
      .limit(2)
      .toArray();
    const d = found.length === 1 ? found[0] : undefined;
    return d ? { user: d.user.toHexString(), address: d.address } : null;
  }
}
