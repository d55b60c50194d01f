// Restarting on an existing database runs the index set-up again; FerretDB 1.24 panics on a
// createIndexes naming indexes that already exist, so only missing ones may be requested.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDb } from '../helpers/backends.ts';
import { ensureIndexes } from '../../server/store/index.ts';

test('index set-up runs twice on one database and the connection stays usable', async () => {
  const tdb = await openTestDb();
  try {
    await ensureIndexes(tdb.db);
    await ensureIndexes(tdb.db);
    const names = (await tdb.db.collection('messages').listIndexes().toArray())
      .map((i) => String(i.name))
      .sort();
    assert.ok(names.includes('mailbox_uid'));
    assert.equal(new Set(names).size, names.length);
    assert.deepEqual(await tdb.db.command({ ping: 1 }), { ok: 1 });
  } finally {
    await tdb.close();
  }
});

test('one set-up creates the indexes of filters, autoreplies and the auth log too', async () => {
  const tdb = await openTestDb();
  try {
    await ensureIndexes(tdb.db);
    const names = async (coll: string) =>
      (await tdb.db.collection(coll).listIndexes().toArray()).map((i) => String(i.name));
    assert.ok((await names('filters')).includes('user_id'));
    const autoreplies = await tdb.db.collection('autoreplies').listIndexes().toArray();
    assert.equal(autoreplies.find((i) => i.name === 'user')?.unique, true);
    assert.ok((await names('authlog')).includes('created'));
  } finally {
    await tdb.close();
  }
});

test('set-up drops the message indexes nothing reads any more and keeps the others', async () => {
  const tdb = await openTestDb();
  try {
    // as an earlier version left the messages collection
    await tdb.db.collection('messages').createIndexes([
      { key: { mailbox: 1, uid: 1 }, name: 'mailbox_uid', unique: true },
      { key: { user: 1, mailbox: 1, seen: 1 }, name: 'user_mailbox_seen' },
      { key: { mailbox: 1, span: 1 }, name: 'mailbox_span' },
    ]);
    await ensureIndexes(tdb.db);
    const names = (await tdb.db.collection('messages').listIndexes().toArray()).map((i) => String(i.name));
    assert.ok(names.includes('mailbox_uid') && names.includes('mailbox_page'));
    assert.ok(!names.includes('user_mailbox_seen') && !names.includes('mailbox_span'), names.join(', '));
    // and a second set-up finds nothing to do
    await ensureIndexes(tdb.db);
    assert.deepEqual(await tdb.db.command({ ping: 1 }), { ok: 1 });
  } finally {
    await tdb.close();
  }
});
