// Repairs what a crash (or a lost race) can leave behind. Safe to run at any time, on any number
// of hosts: under the attachment's lock it deletes a file only if no message references it and
// nothing touched it for the grace period (an add raises the refcount and lastChange before it
// inserts its message, so a grace longer than an add protects every add in flight).
//
// A pass works in bounded slices (docs/ARCHITECTURE.md §3): each slice reads at most `slice`
// documents of one phase, in `_id` order after the cursor kept in Redis, so periodic maintenance
// runs one slice per tick and yields in between, and a pass cut short by a restart resumes where
// it stopped. Phases: messages (orphans of deleted mailboxes; tallies of references per body,
// bytes per user and top UID/MODSEQ per mailbox, kept in Redis hashes), files (refcounts and
// unreferenced files), chunks without a file, users (storageUsed), mailboxes (uidNext and
// modifyIndex). The tallies only pick suspects: every fix is decided again under the document's
// lock from an exact count, so a tally that moved while the pass ran costs a recount, never a
// wrong repair.
import { ObjectId, type FindCursor } from 'mongodb';
import type { SweepReport } from './index.ts';
import type { Ctx } from './context.ts';
import { purgeMailbox } from './removal.ts';
import { lockName } from './locks.ts';
import { countUserMessages } from './message-count.ts';
import { queuedIn, removalKey } from './queued.ts';

/** Documents read by one slice of a pass. */
export const SWEEP_SLICE = 500;

/** Periodic maintenance rests this many times as long as a slice took before the next, so the
 * sweep takes at most a twentieth of the time: on FerretDB a slice of the messages decodes the
 * whole collection (its range is not passed down), about 0.9 s at 2 000 corpus messages. */
export const SWEEP_REST_FACTOR = 19;

/** How long periodic maintenance waits after a slice that took `sliceMs`. */
export function sweepRest(sliceMs: number): number {
  return Math.max(0, sliceMs) * SWEEP_REST_FACTOR;
}

const PHASES = ['messages', 'files', 'chunks', 'users', 'mailboxes'] as const;
export type SweepPhase = (typeof PHASES)[number];
type Phase = SweepPhase;

// Raises hash fields to the given values where they are lower. KEYS[1] hash; ARGV field, value...
const RAISE = `for i = 1, #ARGV, 2 do
  local cur = tonumber(redis.call('hget', KEYS[1], ARGV[i]) or '0')
  if tonumber(ARGV[i + 1]) > cur then redis.call('hset', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
return 0`;

export function emptyReport(): SweepReport {
  return { filesDeleted: 0, refsFixed: 0, orphanMessages: 0, storageFixed: 0, mailboxesFixed: 0, scanned: 0 };
}

export function addReports(a: SweepReport, b: SweepReport): SweepReport {
  return {
    filesDeleted: a.filesDeleted + b.filesDeleted,
    refsFixed: a.refsFixed + b.refsFixed,
    orphanMessages: a.orphanMessages + b.orphanMessages,
    storageFixed: a.storageFixed + b.storageFixed,
    mailboxesFixed: a.mailboxesFixed + b.mailboxesFixed,
    scanned: a.scanned + b.scanned,
  };
}

function keys(ctx: Ctx) {
  const k = ctx.opts.keys;
  return {
    state: k.sweep('state'),
    refs: k.sweep('refs'),
    sizes: k.sweep('sizes'),
    counts: k.sweep('counts'),
    uid: k.sweep('uid'),
    modseq: k.sweep('modseq'),
  };
}

/** The fix of one document failed; `about` names it (user, mailbox or file). */
class SweepFixError extends Error {
  constructor(
    readonly about: Record<string, string>,
    cause: unknown,
  ) {
    super(String(cause), { cause });
  }
}

/** Runs the fix of one document, so a failure says which document it was. */
async function fixing<T>(about: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new SweepFixError(about, err);
  }
}

/** A slice that failed, with where it was: its phase, the `_id` it read after and the document it
 * was fixing. The cursor did not move, so the next slice does the same documents again. */
export class SweepSliceError extends Error {
  readonly after: string | null;
  readonly about: Record<string, string>;
  constructor(
    readonly phase: Phase,
    cursor: ObjectId | null,
    cause: unknown,
  ) {
    const about = cause instanceof SweepFixError ? cause.about : {};
    const root = cause instanceof SweepFixError ? cause.cause : cause;
    super(`sweep slice (${phase} after ${cursor?.toHexString() ?? 'the start'}) failed: ${String(root)}`, {
      cause: root,
    });
    this.name = 'SweepSliceError';
    this.after = cursor?.toHexString() ?? null;
    this.about = about;
  }
}

/** Whether a pass is under way (some slices done, more to do). */
export async function sweepInProgress(ctx: Ctx): Promise<boolean> {
  return (await ctx.redis.hget(keys(ctx).state, 'phase')) !== null;
}

/** When the last pass finished (ms), or 0. */
export async function lastSweepEnd(ctx: Ctx): Promise<number> {
  return Number((await ctx.redis.hget(keys(ctx).state, 'finishedAt')) ?? 0);
}

/**
 * Runs one slice of the current pass (starting a pass if none is under way). `done` is true when
 * this slice finished the pass. Slices of one database never run at the same time.
 */
export function sweepSlice(
  ctx: Ctx,
  graceMs: number,
  slice = SWEEP_SLICE,
): Promise<{ report: SweepReport; done: boolean; phase: Phase }> {
  return ctx.locks.with(lockName.sweep, async () => {
    const k = keys(ctx);
    const state = await ctx.redis.hgetall(k.state);
    let phase = state.phase as Phase | undefined;
    let cursor = state.cursor ? new ObjectId(state.cursor) : null;
    if (!phase || !PHASES.includes(phase)) {
      await ctx.redis.del(k.refs, k.sizes, k.counts, k.uid, k.modseq);
      phase = 'messages';
      cursor = null;
    }
    const report = emptyReport();
    let next: ObjectId | null;
    try {
      next = await PHASE_RUN[phase](ctx, cursor, slice, graceMs, report);
    } catch (err) {
      throw new SweepSliceError(phase, cursor, err);
    }
    if (next) {
      await ctx.redis.hset(k.state, { phase, cursor: next.toHexString() });
      return { report, done: false, phase };
    }
    const after = PHASES[PHASES.indexOf(phase) + 1];
    if (after) {
      await ctx.redis.hset(k.state, { phase: after, cursor: '' });
      return { report, done: false, phase };
    }
    await ctx.redis.del(k.refs, k.sizes, k.counts, k.uid, k.modseq);
    await ctx.redis.hdel(k.state, 'phase', 'cursor');
    await ctx.redis.hset(k.state, { finishedAt: String(Date.now()) });
    return { report, done: true, phase };
  });
}

/** Runs slices to the end of a pass. A pass already under way is finished first and then a whole
 * new one runs, so everything stored when the call began is looked at. */
export async function sweepStore(ctx: Ctx, graceMs: number, slice = SWEEP_SLICE): Promise<SweepReport> {
  let report = emptyReport();
  const passes = (await sweepInProgress(ctx)) ? 2 : 1;
  for (let p = 0; p < passes; p++) {
    for (;;) {
      const r = await sweepSlice(ctx, graceMs, slice);
      report = addReports(report, r.report);
      if (r.done) break;
      // let other work run between slices
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return report;
}

type PhaseRun = (
  ctx: Ctx,
  cursor: ObjectId | null,
  slice: number,
  graceMs: number,
  report: SweepReport,
) => Promise<ObjectId | null>;

/** Reads the next slice after the cursor, in `_id` order; returns the docs and the next cursor. */
async function page<T extends { _id: ObjectId }>(
  find: FindCursor<T>,
  slice: number,
): Promise<{ docs: T[]; next: ObjectId | null }> {
  const docs = await find.sort({ _id: 1 }).limit(slice).toArray();
  return { docs, next: docs.length === slice ? docs[docs.length - 1]!._id : null };
}

const after = (cursor: ObjectId | null) => (cursor ? { _id: { $gt: cursor } } : {});

const PHASE_RUN: Record<Phase, PhaseRun> = {
  // messages whose mailbox is gone (a mailbox/user delete that crashed while purging) go; the
  // others are tallied
  async messages(ctx, cursor, slice, _graceMs, report) {
    const k = keys(ctx);
    // expunged messages whose documents wait for the reaper hold attachment references still, but
    // their storage was given back (reaper.ts); the removals are read first, so one reaped
    // meanwhile has taken its documents with it
    const queued = await queuedIn(ctx, {});
    const { docs, next } = await page(
      ctx.messages.find(after(cursor), {
        projection: { _id: 1, user: 1, mailbox: 1, uid: 1, modseq: 1, size: 1, attachmentRefs: 1 },
      }),
      slice,
    );
    report.scanned += docs.length;
    const exists = new Map<string, boolean>();
    const refs = new Map<string, number>();
    const sizes = new Map<string, number>();
    const counts = new Map<string, number>();
    const uids = new Map<string, number>();
    const modseqs = new Map<string, number>();
    for (const m of docs) {
      const box = m.mailbox.toHexString();
      if (!exists.has(box)) {
        const found = await ctx.mailboxes.findOne({ _id: m.mailbox }, { projection: { _id: 1 } });
        exists.set(box, found !== null);
        if (!found) {
          await fixing({ mailbox: box }, async () => {
            report.orphanMessages += await purgeMailbox(ctx, m.mailbox);
            await ctx.index.drop(m.mailbox);
          });
        }
      }
      if (!exists.get(box)) continue;
      for (const sha of new Set(m.attachmentRefs ?? [])) refs.set(sha, (refs.get(sha) ?? 0) + 1);
      uids.set(box, Math.max(uids.get(box) ?? 0, m.uid));
      modseqs.set(box, Math.max(modseqs.get(box) ?? 0, m.modseq));
      if (queued.has(removalKey(m.mailbox, m.uid))) continue;
      const u = m.user.toHexString();
      sizes.set(u, (sizes.get(u) ?? 0) + m.size);
      counts.set(u, (counts.get(u) ?? 0) + 1);
    }
    const tx = ctx.redis.multi();
    for (const [sha, n] of refs) tx.hincrby(k.refs, sha, n);
    for (const [u, n] of sizes) tx.hincrby(k.sizes, u, n);
    for (const [u, n] of counts) tx.hincrby(k.counts, u, n);
    if (uids.size) tx.eval(RAISE, 1, k.uid, ...[...uids].flat().map(String));
    if (modseqs.size) tx.eval(RAISE, 1, k.modseq, ...[...modseqs].flat().map(String));
    await tx.exec();
    return next;
  },

  // attachment refcounts from the tally; unreferenced old files go. Each file that looks wrong is
  // checked again under its lock before anything changes.
  async files(ctx, cursor, slice, graceMs, report) {
    const cutoff = new Date(Date.now() - graceMs);
    const { docs, next } = await page(
      ctx.files.find(after(cursor), { projection: { _id: 1, metadata: 1 } }),
      slice,
    );
    report.scanned += docs.length;
    const shas = docs.map((c) => c.metadata.sha256);
    const tallied = shas.length ? await ctx.redis.hmget(keys(ctx).refs, ...shas) : [];
    for (const [i, c] of docs.entries()) {
      if (c.metadata.lastChange > cutoff) continue;
      if (Number(tallied[i] ?? 0) === c.metadata.refs && c.metadata.refs > 0) continue;
      await fixing({ file: c.metadata.sha256 }, () =>
        ctx.locks.with(lockName.file(c.metadata.sha256), async () => {
          const f = await ctx.files.findOne({ _id: c._id });
          if (!f || f.metadata.lastChange > cutoff) return;
          const refs = await ctx.messages.countDocuments({ attachmentRefs: f.metadata.sha256 });
          if (refs === 0) {
            await ctx.files.deleteOne({ _id: f._id });
            // a later add of the same body makes a new files document with a new _id, so these
            // chunks belong to nobody else
            await ctx.chunks.deleteMany({ files_id: f._id });
            report.filesDeleted++;
          } else if (refs !== f.metadata.refs) {
            await ctx.files.updateOne(
              { _id: f._id },
              { $set: { 'metadata.refs': refs }, $inc: { 'metadata.v': 1 } },
            );
            report.refsFixed++;
          }
        }),
      );
    }
    return next;
  },

  // chunks without a files document (a sweep that died between its two deletes); chunk owners
  // are read before the files so a file being written now is always seen as live
  async chunks(ctx, _cursor, _slice, _graceMs, report) {
    const chunkOwners = (await ctx.chunks.distinct('files_id')) as ObjectId[];
    report.scanned += chunkOwners.length;
    if (chunkOwners.length === 0) return null;
    const dead: ObjectId[] = [];
    for (const id of chunkOwners) {
      if (!(await ctx.files.findOne({ _id: id }, { projection: { _id: 1 } }))) dead.push(id);
    }
    if (dead.length) await ctx.chunks.deleteMany({ files_id: { $in: dead } });
    return null;
  },

  // storageUsed = sum of message sizes, messagesUsed = their number (where it is kept). Users that
  // look wrong are recounted under their lock; an add between its reservation and its insert
  // counts as not stored yet, so the figures are exact when the user is quiet and otherwise
  // corrected by the next pass.
  async users(ctx, cursor, slice, _graceMs, report) {
    // this process's counts not written yet would look like a difference (usage.ts)
    await ctx.usage.flush();
    const { docs, next } = await page(
      ctx.users.find(after(cursor), { projection: { _id: 1, storageUsed: 1, messagesUsed: 1 } }),
      slice,
    );
    report.scanned += docs.length;
    const ids = docs.map((u) => u._id.toHexString());
    const tallied = ids.length ? await ctx.redis.hmget(keys(ctx).sizes, ...ids) : [];
    const counted = ids.length ? await ctx.redis.hmget(keys(ctx).counts, ...ids) : [];
    for (const [i, u] of docs.entries()) {
      const countOk = u.messagesUsed === undefined || Number(counted[i] ?? 0) === u.messagesUsed;
      if (Number(tallied[i] ?? 0) === u.storageUsed && countOk) continue;
      await fixing({ user: u._id.toHexString() }, () =>
        ctx.locks.with(lockName.user(u._id), async () => {
          const { bytes, messages } = await countUserMessages(ctx, u._id);
          const cur = await ctx.users.findOne(
            { _id: u._id },
            { projection: { storageUsed: 1, messagesUsed: 1 } },
          );
          if (!cur) return;
          const set: { storageUsed?: number; messagesUsed?: number } = {};
          if (cur.storageUsed !== bytes) set.storageUsed = bytes;
          if (cur.messagesUsed !== undefined && cur.messagesUsed !== messages) set.messagesUsed = messages;
          if (!Object.keys(set).length) return;
          await ctx.users.updateOne({ _id: u._id }, { $set: set });
          report.storageFixed++;
        }),
      );
    }
    return next;
  },

  // uidNext above every stored UID, modifyIndex at least every stored MODSEQ (a tallied top that
  // was expunged since still must not be reused, so raising above it is right)
  async mailboxes(ctx, cursor, slice, _graceMs, report) {
    const k = keys(ctx);
    const { docs, next } = await page(
      ctx.mailboxes.find(after(cursor), { projection: { _id: 1, uidNext: 1, modifyIndex: 1 } }),
      slice,
    );
    report.scanned += docs.length;
    const ids = docs.map((b) => b._id.toHexString());
    const uids = ids.length ? await ctx.redis.hmget(k.uid, ...ids) : [];
    const modseqs = ids.length ? await ctx.redis.hmget(k.modseq, ...ids) : [];
    for (const [i, b] of docs.entries()) {
      const top = { uid: Number(uids[i] ?? 0), modseq: Number(modseqs[i] ?? 0) };
      if (b.uidNext > top.uid && b.modifyIndex >= top.modseq) continue;
      await fixing({ mailbox: b._id.toHexString() }, () =>
        ctx.locks.with(lockName.mailbox(b._id), async () => {
          const cur = await ctx.mailboxes.findOne(
            { _id: b._id },
            { projection: { uidNext: 1, modifyIndex: 1 } },
          );
          if (!cur) return;
          const set: Record<string, number> = {};
          if (cur.uidNext <= top.uid) set.uidNext = top.uid + 1;
          if (cur.modifyIndex < top.modseq) set.modifyIndex = top.modseq;
          if (Object.keys(set).length === 0) return;
          await ctx.mailboxes.updateOne({ _id: b._id }, { $set: set });
          report.mailboxesFixed++;
        }),
      );
    }
    return next;
  },
};
