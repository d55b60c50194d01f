// The packed parts of a message document (server/store/content.ts): stored deflated, read back the
// same; parts stored plain by an earlier version still read.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { buffer } from 'node:stream/consumers';
import { BSON, Binary, ObjectId } from 'mongodb';
import { openStore, type TestStore } from './_store.ts';
import { mail } from './_mail.ts';
import { pack, plainPart, unpack, type Searchable } from '../../server/store/content.ts';

let t: TestStore;
before(async () => {
  t = await openStore({ contentCacheBytes: 0 });
});
after(async () => {
  await t.close();
});

const deflated = (b: Uint8Array) => b[0] === 0xff && b[1] === 0xff && b[2] === 0xff && b[3] === 0xff;

test('a part is stored deflated when that is smaller, and a plain one still reads', () => {
  const part: Searchable = {
    headers: [{ key: 'subject', value: 'hello' }],
    text: 'the same line\n'.repeat(200),
  };
  const stored = pack(part);
  assert.ok(deflated(stored.buffer), 'deflated');
  assert.ok(stored.buffer.length < BSON.serialize(part).length / 4);
  assert.deepEqual(unpack<Searchable>(stored), part);
  assert.deepEqual(Buffer.from(plainPart(stored)), Buffer.from(BSON.serialize(part)));

  const tiny: Searchable = { headers: [], text: 'x' };
  assert.ok(!deflated(pack(tiny).buffer), 'kept plain when deflating does not shrink it');
  assert.deepEqual(unpack<Searchable>(pack(tiny)), tiny);

  // as an earlier version stored it, and as the driver hands it over with promoteBuffers
  const plain = new Binary(BSON.serialize(part));
  assert.deepEqual(unpack<Searchable>(plain), part);
  assert.deepEqual(unpack<Searchable>(Buffer.from(plain.buffer)), part);
});

test('a delivered message is stored with deflated parts and read back byte for byte, old ones too', async () => {
  const u = await t.store.users.create({ username: 'deflate', password: 'pw' });
  const box = await t.store.mailboxes.create(u.id, 'Deflated');
  const raw = mail({ subject: 'deflated', text: 'a line of mail text\r\n'.repeat(300) });
  const { uid, id } = await t.store.messages.add({ user: u.id, mailbox: box.id, raw });
  const doc = await t.db.collection('messages').findOne({ _id: new ObjectId(id) });
  assert.ok(deflated((doc!.content as Binary).buffer) && deflated((doc!.searchable as Binary).buffer));
  assert.ok((doc!.content as Binary).buffer.length < raw.length / 3, 'the stored part is smaller');
  const opened = await t.store.messages.open(u.id, box.id, uid);
  assert.deepEqual(await buffer(opened!.raw().stream), raw);

  // rewritten plain, as a data folder of an earlier version holds it
  await t.db.collection('messages').updateOne(
    { _id: new ObjectId(id) },
    {
      $set: {
        content: new Binary(plainPart(doc!.content as Binary)),
        searchable: new Binary(plainPart(doc!.searchable as Binary)),
      },
    },
  );
  const again = await t.store.messages.open(u.id, box.id, uid);
  assert.deepEqual(await buffer(again!.raw().stream), raw);
  assert.deepEqual(await t.store.messages.search(u.id, box.id, { type: 'text', value: 'line of mail' }), [
    uid,
  ]);
});
