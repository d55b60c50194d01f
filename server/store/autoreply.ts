// The per-user vacation autoreply (WildDuck's model): whether it is on, its text, and the window
// it is active in. Sending is done by LMTP after a delivery (RFC 3834 rules live there).
import type { Db, Collection, ObjectId } from 'mongodb';
import { COLL } from './docs.ts';
import { z } from 'zod';
import { oid } from './ids.ts';
import { RELAY_REQUIRED_MESSAGE } from './filters.ts';
import { StoreError } from './errors.ts';

const date = z.coerce.date();

export const autoreplyInputSchema = z
  .object({
    status: z.boolean(),
    /** Display name of the reply's From. */
    name: z.string().trim().max(255).optional(),
    /** Subject of the reply; empty = `Auto: <original subject>`. */
    subject: z.string().trim().max(255).optional(),
    text: z
      .string()
      .max(128 * 1024)
      .optional(),
    html: z
      .string()
      .max(128 * 1024)
      .optional(),
    /** Active from / until (inclusive); null or unset = open-ended. */
    start: date.nullable().optional(),
    end: date.nullable().optional(),
  })
  .strict()
  .refine((v) => !v.start || !v.end || v.start <= v.end, {
    message: 'start must not be after end',
    path: ['end'],
  });

export type AutoreplyInput = z.input<typeof autoreplyInputSchema>;

export interface AutoreplyInfo {
  status: boolean;
  name: string;
  subject: string;
  text: string;
  html: string;
  start: Date | null;
  end: Date | null;
  updated: Date | null;
}

interface AutoreplyDoc extends Omit<AutoreplyInfo, 'updated'> {
  user: ObjectId;
  updated: Date;
}

const OFF: AutoreplyInfo = {
  status: false,
  name: '',
  subject: '',
  text: '',
  html: '',
  start: null,
  end: null,
  updated: null,
};

/** True when the autoreply is switched on and `now` falls inside its window. */
export function isAutoreplyActive(info: AutoreplyInfo, now = new Date()): boolean {
  if (!info.status) return false;
  if (info.start && now < info.start) return false;
  if (info.end && now > info.end) return false;
  return true;
}

export class Autoreplies {
  private readonly col: Collection<AutoreplyDoc>;
  private readonly relayConfigured: boolean;

  /** Without a configured SMTP relay (`relayConfigured` false), switching the autoreply on is refused. */
  constructor(db: Db, opts: { relayConfigured?: boolean } = {}) {
    this.col = db.collection<AutoreplyDoc>(COLL.autoreplies);
    this.relayConfigured = opts.relayConfigured ?? false;
  }

  /** The user's autoreply; `status: false` and empty fields when none was set. */
  async get(user: string): Promise<AutoreplyInfo> {
    const u = oid(user);
    const doc = u ? await this.col.findOne({ user: u }) : null;
    if (!doc) return { ...OFF };
    return {
      status: doc.status,
      name: doc.name,
      subject: doc.subject,
      text: doc.text,
      html: doc.html,
      start: doc.start,
      end: doc.end,
      updated: doc.updated,
    };
  }

  async set(user: string, input: AutoreplyInput): Promise<AutoreplyInfo> {
    const u = oid(user);
    if (!u) throw new StoreError('INVALID', 'user: not a user id');
    const r = autoreplyInputSchema.safeParse(input);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      throw new StoreError('INVALID', `${issue.path.join('.') || 'input'}: ${issue.message}`);
    }
    const data = r.data;
    if (data.status && !this.relayConfigured) throw new StoreError('RELAY_REQUIRED', RELAY_REQUIRED_MESSAGE);
    const doc: Omit<AutoreplyDoc, 'user'> = {
      status: data.status,
      name: data.name ?? '',
      subject: data.subject ?? '',
      text: data.text ?? '',
      html: data.html ?? '',
      start: data.start ?? null,
      end: data.end ?? null,
      updated: new Date(),
    };
    await this.col.updateOne({ user: u }, { $set: doc }, { upsert: true });
    return { ...doc };
  }

  async delete(user: string): Promise<boolean> {
    const u = oid(user);
    if (!u) return false;
    return (await this.col.deleteOne({ user: u })).deletedCount === 1;
  }
}
