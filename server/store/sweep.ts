// Repairs what a crash (or a lost race) can leave behind. Safe to run at any time, on any number
// of hosts: under the attachment's lock it deletes a file only if no message references it and
// nothing touched it for the grace period (an add raises the refcount and lastChange before it
// inserts its message, so a grace longer than an add protects every add in flight).
import type { ObjectId } from 'mongodb';
import type { SweepReport } from './index.ts';
import type { Ctx } from './context.ts';
import { purgeMailbox } from './removal.ts';
import { lockName } from './locks.ts';

export async function sweepStore(ctx: Ctx, graceMs: number): Promise<SweepReport> {
  const report: SweepReport = {
    filesDeleted: 0,
    refsFixed: 0,
    orphanMessages: 0,
    storageFixed: 0,
    mailboxesFixed: 0,
  };

  // 1. messages whose mailbox is gone (a mailbox/user delete that crashed while purging)
  const boxIds = (await ctx.messages.distinct('mailbox')) as ObjectId[];
  for (const id of boxIds) {
    if (!(await ctx.mailboxes.findOne({ _id: id }, { projection: { _id: 1 } }))) {
      report.orphanMessages += await purgeMailbox(ctx, id);
      await ctx.index.drop(id);
    }
  }

  // one pass over the messages: references per body, size per user, top UID/MODSEQ per mailbox
  const counted = new Map<string, number>();
  const sizes = new Map<string, number>();
  const tops = new Map<string, { uid: number; modseq: number }>();
  const scan = ctx.messages.find(
    {},
    { projection: { _id: 0, user: 1, mailbox: 1, uid: 1, modseq: 1, size: 1, attachmentRefs: 1 } },
  );
  for await (const m of scan) {
    for (const sha of new Set(m.attachmentRefs ?? [])) counted.set(sha, (counted.get(sha) ?? 0) + 1);
    const u = m.user.toHexString();
    sizes.set(u, (sizes.get(u) ?? 0) + m.size);
    const k = m.mailbox.toHexString();
    const t = tops.get(k) ?? { uid: 0, modseq: 0 };
    tops.set(k, { uid: Math.max(t.uid, m.uid), modseq: Math.max(t.modseq, m.modseq) });
  }

  // 2. attachment refcounts from the messages; unreferenced old files go. One pass counts all
  // references; each file that looks wrong is checked again under its lock before anything changes.
  const cutoff = new Date(Date.now() - graceMs);
  const candidates = await ctx.files
    .find({ 'metadata.lastChange': { $lte: cutoff } }, { projection: { _id: 1, metadata: 1 } })
    .toArray();
  for (const c of candidates) {
    if ((counted.get(c.metadata.sha256) ?? 0) === c.metadata.refs && c.metadata.refs > 0) continue;
    await ctx.locks.with(lockName.file(c.metadata.sha256), async () => {
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
    });
  }

  // 3. chunks without a files document (a sweep that died between its two deletes); chunk owners
  // are read before the files so a file being written now is always seen as live
  const chunkOwners = (await ctx.chunks.distinct('files_id')) as ObjectId[];
  if (chunkOwners.length) {
    const live = new Set(
      (await ctx.files.find({}, { projection: { _id: 1 } }).toArray()).map((f) => f._id.toHexString()),
    );
    const dead = chunkOwners.filter((id) => !live.has(id.toHexString()));
    if (dead.length) await ctx.chunks.deleteMany({ files_id: { $in: dead } });
  }

  // 4. storageUsed = sum of message sizes. Users that look wrong are recounted under their lock; an
  // add between its reservation and its insert counts as not stored yet, so the figure is exact
  // when the user is quiet and otherwise corrected by the next sweep.
  const users = await ctx.users.find({}, { projection: { _id: 1, storageUsed: 1 } }).toArray();
  for (const u of users) {
    if ((sizes.get(u._id.toHexString()) ?? 0) === u.storageUsed) continue;
    await ctx.locks.with(lockName.user(u._id), async () => {
      const rows = await ctx.messages
        .aggregate<{ _id: null; total: number }>([
          { $match: { user: u._id } },
          { $group: { _id: null, total: { $sum: '$size' } } },
        ])
        .toArray();
      const total = rows[0]?.total ?? 0;
      const cur = await ctx.users.findOne({ _id: u._id }, { projection: { storageUsed: 1 } });
      if (!cur || cur.storageUsed === total) return;
      await ctx.users.updateOne({ _id: u._id }, { $set: { storageUsed: total } });
      report.storageFixed++;
    });
  }

  // 5. uidNext above every stored UID, modifyIndex at least every stored MODSEQ
  const boxes = await ctx.mailboxes
    .find({}, { projection: { _id: 1, uidNext: 1, modifyIndex: 1 } })
    .toArray();
  for (const b of boxes) {
    const top = tops.get(b._id.toHexString());
    if (!top || (b.uidNext > top.uid && b.modifyIndex >= top.modseq)) continue;
    await ctx.locks.with(lockName.mailbox(b._id), async () => {
      const cur = await ctx.mailboxes.findOne({ _id: b._id }, { projection: { uidNext: 1, modifyIndex: 1 } });
      if (!cur) return;
      const set: Record<string, number> = {};
      if (cur.uidNext <= top.uid) set.uidNext = top.uid + 1;
      if (cur.modifyIndex < top.modseq) set.modifyIndex = top.modseq;
      if (Object.keys(set).length === 0) return;
      await ctx.mailboxes.updateOne({ _id: b._id }, { $set: set });
      report.mailboxesFixed++;
    });
  }
  return report;
}
