// The auth log: every login success and failure with time, IP and protocol (kept 30 days by the
// periodic prune; FerretDB has no TTL indexes).
import { ObjectId, type Collection, type Db } from 'mongodb';
import { COLL } from './docs.ts';

export type AuthOutcome = 'success' | 'failure' | 'throttled';

export interface AuthLogEntry {
  id: string;
  user: string | null;
  login: string;
  protocol: string;
  ip: string;
  result: AuthOutcome;
  /** 'password' or 'asp' on success. */
  method?: string;
  asp?: string;
  created: Date;
}

interface AuthLogDoc {
  _id: ObjectId;
  user: ObjectId | null;
  login: string;
  protocol: string;
  ip: string;
  result: AuthOutcome;
  method?: string;
  asp?: ObjectId;
  created: Date;
}

export const AUTHLOG_MAX_AGE_MS = 30 * 24 * 3600 * 1000;

export class AuthLog {
  private readonly col: Collection<AuthLogDoc>;
  constructor(db: Db) {
    this.col = db.collection<AuthLogDoc>(COLL.authlog);
  }

  async record(e: Omit<AuthLogEntry, 'id' | 'created'>): Promise<void> {
    const doc: AuthLogDoc = {
      _id: new ObjectId(),
      user: e.user ? new ObjectId(e.user) : null,
      login: e.login.slice(0, 256),
      protocol: e.protocol,
      ip: e.ip,
      result: e.result,
      created: new Date(),
    };
    if (e.method) doc.method = e.method;
    if (e.asp) doc.asp = new ObjectId(e.asp);
    await this.col.insertOne(doc, { writeConcern: { w: 1 } });
  }

  /** Newest first; `before` is the id of the last entry of the previous page. */
  async list(user: string, opts: { limit?: number; before?: string } = {}): Promise<AuthLogEntry[]> {
    const filter: Record<string, unknown> = { user: new ObjectId(user) };
    if (opts.before) filter._id = { $lt: new ObjectId(opts.before) };
    const docs = await this.col
      .find(filter)
      .sort({ _id: -1 })
      .limit(Math.min(opts.limit ?? 50, 250))
      .toArray();
    return docs.map((d) => ({
      id: d._id.toHexString(),
      user: d.user ? d.user.toHexString() : null,
      login: d.login,
      protocol: d.protocol,
      ip: d.ip,
      result: d.result,
      ...(d.method ? { method: d.method } : {}),
      ...(d.asp ? { asp: d.asp.toHexString() } : {}),
      created: d.created,
    }));
  }

  async prune(maxAgeMs = AUTHLOG_MAX_AGE_MS): Promise<number> {
    const res = await this.col.deleteMany({ created: { $lt: new Date(Date.now() - maxAgeMs) } });
    return res.deletedCount;
  }
}
