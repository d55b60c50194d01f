// Which messages an import already stored for a user: one document per (user, folder, SHA-256 of
// the bytes) key, so importing the same file again — or resuming an interrupted import — adds
// nothing twice, whatever happened to Redis meanwhile (the marks are data, so they live with the
// mail). Looked up by `_id` alone, the one query FerretDB hands to SQLite (docs/ARCHITECTURE.md §3).
import type { Collection } from 'mongodb';
import type { Ctx } from './context.ts';
import { isDuplicateKey, StoreError } from './errors.ts';
import { oid } from './ids.ts';
import { COLL, type ImportMarkDoc } from './docs.ts';
import type { Id, ImportMarksApi } from './index.ts';

export class ImportMarks implements ImportMarksApi {
  private readonly coll: Collection<ImportMarkDoc>;

  constructor(ctx: Ctx) {
    this.coll = ctx.db.collection<ImportMarkDoc>(COLL.importMarks);
  }

  private static id(user: Id, key: string): string {
    return `${user}:${key}`;
  }

  async has(user: Id, key: string): Promise<boolean> {
    return (await this.coll.findOne({ _id: ImportMarks.id(user, key) }, { projection: { _id: 1 } })) !== null;
  }

  async add(user: Id, key: string): Promise<void> {
    const u = oid(user);
    if (!u) throw new StoreError('NOUSER', 'no such user');
    try {
      await this.coll.insertOne({ _id: ImportMarks.id(user, key), user: u, created: new Date() });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err; // marked by a parallel import: the same outcome
    }
  }

  async clear(user: Id): Promise<void> {
    const u = oid(user);
    if (u) await this.coll.deleteMany({ user: u });
  }
}
