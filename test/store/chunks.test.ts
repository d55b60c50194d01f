// Attachment bodies in GridFS, read chunk by chunk through derived chunk ids: exact bytes whole and
// in ranges across chunk borders, still readable by the driver's own GridFS reader, chunks from
// another GridFS writer found by (files_id, n), and a missing chunk failing the stream cleanly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { buffer } from 'node:stream/consumers';
import { GridFSBucket, ObjectId } from 'mongodb';
import { openStore, type TestStore } from './_store.ts';
import { mail, bytes } from './_mail.ts';

let t: TestStore;
before(async () => {
  t = await openStore({ externalizeAbove: 512, chunkSize: 1000 });
});
after(async () => {
  await t.close();
});

const attachment = bytes(10_500, 7);

interface Stored {
  sha256: string;
  fileId: ObjectId;
  raw: Buffer;
  user: string;
  mailbox: string;
  /** The body as stored (the encoded part body, as it stands in the message). */
  body: Buffer;
}

async function storedBody(): Promise<Stored> {
  const u = await t.store.users.create({
    username: `chunks${Math.random().toString(36).slice(2, 8)}`,
    password: 'pw',
  });
  const inbox = (await t.store.mailboxes.get(u.id, 'INBOX'))!;
  const raw = mail({ subject: 'chunks', attachment, filename: 'a.bin' });
  await t.store.messages.add({ user: u.id, mailbox: inbox.id, raw });
  const file = await t.db.collection('attachments.files').findOne({}, { sort: { uploadDate: -1 } });
  assert.ok(file, 'the attachment went to GridFS');
  // the driver's own GridFS reader: the documents are GridFS-shaped
  const fileId = file._id as ObjectId;
  const body = await buffer(new GridFSBucket(t.db, { bucketName: 'attachments' }).openDownloadStream(fileId));
  assert.ok(body.length > 10_000, 'spans many chunks');
  assert.ok(raw.includes(body), 'the stored body is the part body of the message');
  return { sha256: file.metadata.sha256 as string, fileId, raw, user: u.id, mailbox: inbox.id, body };
}

test('bodies read back exactly, whole and in ranges across chunk borders', async () => {
  const { sha256, raw, user, mailbox, body } = await storedBody();
  const whole = await t.store.attachments.open(sha256);
  assert.ok(whole);
  assert.deepEqual(await buffer(whole.stream), body);
  for (const [start, length] of [
    [0, 1],
    [999, 2],
    [1000, 1000],
    [2500, 6001],
    [body.length - 1, 10],
    [20_000, 5],
  ] as const) {
    const part = await t.store.attachments.open(sha256, { start, length });
    assert.deepEqual(await buffer(part!.stream), body.subarray(start, start + length), `${start}+${length}`);
  }
  // the message around it is rebuilt byte for byte
  assert.deepEqual(await buffer((await t.store.messages.openRaw(user, mailbox, 1))!.stream), raw);
});

test('a chunk written by another GridFS writer is found by (files_id, n)', async () => {
  const { sha256, fileId, body } = await storedBody();
  const chunk = await t.db
    .collection('attachments.chunks')
    .findOne({ _id: `${fileId.toHexString()}:3` as never });
  assert.ok(chunk);
  await t.db.collection('attachments.chunks').deleteOne({ _id: chunk._id });
  await t.db.collection('attachments.chunks').insertOne({ ...chunk, _id: new ObjectId() });
  const again = await t.store.attachments.open(sha256);
  assert.deepEqual(await buffer(again!.stream), body);
});

test('a missing chunk fails the stream with a clear error and nothing crashes', async () => {
  const { sha256, fileId, body } = await storedBody();
  await t.db.collection('attachments.chunks').deleteOne({ _id: `${fileId.toHexString()}:5` as never });
  const broken = await t.store.attachments.open(sha256);
  await assert.rejects(buffer(broken!.stream), /missing chunk 5/);
  // the bytes before the gap are still readable as a range
  const head = await t.store.attachments.open(sha256, { start: 0, length: 5000 });
  assert.deepEqual(await buffer(head!.stream), body.subarray(0, 5000));
});
