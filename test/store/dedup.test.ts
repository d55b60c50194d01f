// One 5 MB attachment in 100 messages is stored once; it survives until the last reference goes
// and a sweep (grace 0) runs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { buffer } from 'node:stream/consumers';
import { ObjectId } from 'mongodb';
import { openStore, all, type TestStore } from './_store.ts';
import { mail, bytes } from './_mail.ts';

let t: TestStore;
before(async () => {
  t = await openStore();
});
after(async () => {
  await t.close();
});

test('a 5 MB attachment in 100 messages is one GridFS file', async () => {
  const u = await t.store.users.create({ username: 'dedup', password: 'pw' });
  const inbox = (await t.store.mailboxes.get(u.id, 'INBOX'))!;
  const att = bytes(5 * 1024 * 1024, 42);
  const message = (i: number) => mail({ subject: `copy ${i}`, messageId: `<d${i}@x>`, attachment: att });
  for (let i = 0; i < 100; i += 10) {
    const batch = Array.from({ length: 10 }, (_, j) => message(i + j));
    // ten at a time in parallel: concurrent adds of the same new body must not make two files
    await Promise.all(batch.map((raw) => t.store.messages.add({ user: u.id, mailbox: inbox.id, raw })));
  }
  const files = await t.db.collection('attachments.files').find({}).toArray();
  assert.equal(files.length, 1);
  const f = files[0]!;
  assert.equal(f.metadata.refs, 100);
  const encodedLength = Buffer.from((att.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n')).length;
  assert.equal(f.length, encodedLength);
  assert.equal(
    await t.db.collection('attachments.chunks').countDocuments({}),
    Math.ceil(encodedLength / (255 * 1024)),
  );

  const uids = await t.store.messages.listUids(inbox.user, inbox.id);
  assert.equal(uids.length, 100);
  const keep = uids[57]!;
  const expunged = await t.store.messages.expunge({
    user: u.id,
    mailbox: inbox.id,
    uids: uids.filter((x) => x !== keep),
    requireDeleted: false,
  });
  assert.equal(expunged.uids.length, 99);
  // the documents, and with them their references, go with the reap that follows an expunge
  assert.equal((await t.store.attachments.stat(f.metadata.sha256))?.refs, 100);
  assert.equal(await t.store.reap(), 99);
  assert.equal((await t.store.attachments.stat(f.metadata.sha256))?.refs, 1);
  await t.store.sweep({ graceMs: 0 });
  assert.equal(await t.db.collection('attachments.files').countDocuments({}), 1, 'still referenced');
  const [view] = await all(t.store.messages.fetch(inbox.user, inbox.id, [keep], ['subject']));
  const raw = message(Number(view!.subject!.slice('copy '.length)));
  const s = await t.store.messages.openRaw(inbox.user, inbox.id, keep);
  assert.deepEqual(await buffer(s!.stream), raw);

  await t.store.messages.expunge({ user: u.id, mailbox: inbox.id, uids: [keep], requireDeleted: false });
  assert.equal(await t.store.reap(), 1);
  assert.equal((await t.store.attachments.stat(f.metadata.sha256))?.refs, 0);
  const report = await t.store.sweep({ graceMs: 0 });
  assert.equal(report.filesDeleted, 1);
  assert.equal(await t.db.collection('attachments.files').countDocuments({}), 0);
  assert.equal(await t.db.collection('attachments.chunks').countDocuments({}), 0);
  assert.equal((await t.store.users.get(u.id))!.storageUsed, 0);
});

test('the sweep keeps unreferenced files younger than the grace period', async () => {
  const u = await t.store.users.create({ username: 'grace', password: 'pw' });
  const inbox = (await t.store.mailboxes.get(u.id, 'INBOX'))!;
  await t.store.messages.add({ user: u.id, mailbox: inbox.id, raw: mail({ attachment: bytes(200_000, 5) }) });
  const [sha] = (await t.db.collection('messages').findOne({ user: new ObjectId(u.id) }))!.attachmentRefs;
  await t.store.messages.expunge({ user: u.id, mailbox: inbox.id, uids: [1], requireDeleted: false });
  await t.store.sweep({ graceMs: 60_000 });
  assert.deepEqual(await t.store.attachments.stat(sha), {
    sha256: sha,
    size: 273_684,
    refs: 0,
    complete: true,
  });
  await t.store.sweep({ graceMs: 0 });
  assert.equal(await t.store.attachments.stat(sha), null);
});
