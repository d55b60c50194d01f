// The sweep works in bounded slices whose position is kept in Redis: a pass cut short in one
// process is resumed by another without reading anything twice, and every repair still happens.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openStore, type TestStore } from './_store.ts';
import { mail, bytes } from './_mail.ts';
import { createStore, type Store } from '../../server/store/index.ts';
import { sweepRest } from '../../server/store/sweep.ts';

let t: TestStore;
before(async () => {
  t = await openStore({ externalizeAbove: 1024 });
});
after(async () => {
  await t.close();
});

/** A second store on the same database and Redis, as a restarted server would open. */
function reopen(): Store {
  return createStore({
    db: t.db,
    redis: t.redis,
    options: { bcryptRounds: 4, channelPrefix: t.store.notify.prefix, externalizeAbove: 1024 },
  });
}

const files = () => t.db.collection('attachments.files');

test('a pass interrupted after a few slices resumes in another store and repairs everything', async () => {
  const u = await t.store.users.create({ username: 'slices', password: 'pw' });
  const inbox = (await t.store.mailboxes.get(u.id, 'INBOX'))!;
  const gone = await t.store.mailboxes.create(u.id, 'Gone');
  let size = 0;
  for (let i = 0; i < 12; i++) {
    const m = await t.store.messages.add({
      user: u.id,
      mailbox: inbox.id,
      raw: mail({ subject: `m${i}`, attachment: bytes(4000, i % 3) }),
    });
    size += m.size;
  }
  for (let i = 0; i < 3; i++) {
    await t.store.messages.add({
      user: u.id,
      mailbox: gone.id,
      raw: mail({ subject: `g${i}`, attachment: bytes(4000, 50) }),
    });
  }
  // what crashes leave: a mailbox deleted without its messages, a wrong refcount, a file nobody
  // references, storageUsed off, counters below the stored messages
  const userId = (await t.db.collection('users').findOne({ username: 'slices' }))!._id;
  await t.db.collection('mailboxes').deleteOne({ user: userId, path: 'Gone' });
  const { _id: someId, ...someFile } = (await files().findOne({}))!;
  await files().updateOne({ _id: someId }, { $set: { 'metadata.refs': 9 } });
  const phantomId = (
    await files().insertOne({
      ...someFile,
      metadata: { ...(someFile.metadata as object), sha256: 'f'.repeat(64), refs: 1 },
    })
  ).insertedId;
  await t.db.collection('users').updateOne({ _id: userId }, { $set: { storageUsed: 12_345 } });
  await t.db
    .collection('mailboxes')
    .updateOne({ user: userId, path: 'INBOX' }, { $set: { uidNext: 2, modifyIndex: 1 } });

  // three slices of four messages, then the process "stops"
  let messagesRead = 0;
  for (let i = 0; i < 3; i++) {
    const r = await t.store.sweepSlice({ graceMs: 0, slice: 4 });
    assert.equal(r.phase, 'messages');
    assert.equal(r.done, false);
    assert.ok(r.report.scanned <= 4, 'a slice reads at most its size');
    messagesRead += r.report.scanned;
  }
  assert.equal(messagesRead, 12);

  const other = reopen();
  let orphans = 0;
  let slices = 0;
  for (;;) {
    const r = await other.sweepSlice({ graceMs: 0, slice: 4 });
    slices++;
    assert.ok(r.report.scanned <= 4 || r.phase === 'chunks', `slice of ${r.phase} read ${r.report.scanned}`);
    if (r.phase === 'messages') messagesRead += r.report.scanned;
    orphans += r.report.orphanMessages;
    if (r.done) break;
    assert.ok(slices < 100, 'the pass ends');
  }
  await other.close();
  assert.equal(messagesRead, 15, 'the resumed pass read each message once');
  assert.equal(orphans, 3);

  const userDoc = (await t.db.collection('users').findOne({ username: 'slices' }))!;
  assert.equal(await t.db.collection('messages').countDocuments({ user: userDoc._id }), 12);
  assert.equal(userDoc.storageUsed, size, 'storageUsed recounted');
  assert.equal(await files().countDocuments({ _id: phantomId }), 0, 'unreferenced file deleted');
  for (const f of await files().find({}).toArray()) {
    const holders = await t.db.collection('messages').countDocuments({ attachmentRefs: f.metadata.sha256 });
    assert.equal(f.metadata.refs, holders, 'refcount matches the messages');
  }
  const box = (await t.db.collection('mailboxes').findOne({ path: 'INBOX', user: userDoc._id }))!;
  assert.equal(box.uidNext, 13);
  const top = await t.db
    .collection('messages')
    .find({ mailbox: box._id })
    .sort({ modseq: -1 })
    .limit(1)
    .next();
  assert.ok(box.modifyIndex >= top!.modseq);
});

test('sweep() called directly finishes a pass under way and then makes a whole one', async () => {
  const u = await t.store.users.create({ username: 'direct', password: 'pw' });
  const inbox = (await t.store.mailboxes.get(u.id, 'INBOX'))!;
  for (let i = 0; i < 6; i++)
    await t.store.messages.add({ user: u.id, mailbox: inbox.id, raw: mail({ subject: `d${i}` }) });
  await t.store.sweepSlice({ graceMs: 0, slice: 2 });
  // damage done behind the cursor of the pass under way is still found
  await t.db.collection('users').updateOne({ username: 'direct' }, { $set: { storageUsed: 1 } });
  const r = await t.store.sweep({ graceMs: 0, slice: 2 });
  assert.ok(r.storageFixed >= 1);
  const stored = await t.store.users.get(u.id);
  const sizes = await t.db
    .collection('messages')
    .find({ user: (await t.db.collection('users').findOne({ username: 'direct' }))!._id })
    .toArray();
  assert.equal(
    stored!.storageUsed,
    sizes.reduce((a, m) => a + (m.size as number), 0),
  );
});

test('periodic maintenance starts passes and repairs through its slices', async () => {
  const u = await t.store.users.create({ username: 'ticks', password: 'pw' });
  const inbox = (await t.store.mailboxes.get(u.id, 'INBOX'))!;
  const m = await t.store.messages.add({ user: u.id, mailbox: inbox.id, raw: mail({ subject: 'tick' }) });
  await t.db.collection('users').updateOne({ username: 'ticks' }, { $set: { storageUsed: 999_999 } });
  const stop = t.store.startMaintenance({ sweepEveryMs: 100, sweepSliceEveryMs: 20 });
  try {
    const deadline = Date.now() + 20_000;
    while ((await t.store.users.get(u.id))!.storageUsed !== m.size) {
      assert.ok(Date.now() < deadline, 'the periodic sweep repaired storageUsed');
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    stop();
  }
});

test('periodic maintenance rests nineteen times as long as a slice took', () => {
  // on FerretDB a slice of the messages decodes the whole collection: the sweep keeps to a
  // twentieth of the time whatever a slice costs
  assert.equal(sweepRest(900), 17_100);
  assert.equal(sweepRest(3), 57);
  assert.equal(sweepRest(-5), 0);
});
