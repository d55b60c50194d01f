// Lookups by message id filter on _id alone (FerretDB's only index-served filter) and check the
// owner in code: another user's id must still find nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from './_store.ts';

test('a message id of another user finds nothing through getById or openRawById', async () => {
  const t = await openStore();
  try {
    const alice = await t.store.users.create({ username: 'alice', password: 'alice-password' });
    const bob = await t.store.users.create({ username: 'bob', password: 'bob-password' });
    const inbox = (await t.store.mailboxes.get(alice.id, 'INBOX'))!;
    const raw = Buffer.from('Subject: mine\r\n\r\nbody\r\n');
    const added = await t.store.messages.add({ user: alice.id, mailbox: inbox.id, raw });

    const own = await t.store.messages.getById(alice.id, added.id, ['subject', 'size']);
    assert.deepEqual(
      { subject: own?.subject, size: own?.size, uid: own?.uid },
      { subject: 'mine', size: raw.length, uid: 1 },
    );
    const stream = (await t.store.messages.openRawById(alice.id, added.id))!;
    const chunks: Buffer[] = [];
    for await (const c of stream.stream) chunks.push(c as Buffer);
    assert.deepEqual(Buffer.concat(chunks), raw);

    assert.equal(await t.store.messages.getById(bob.id, added.id, ['subject']), null);
    assert.equal(await t.store.messages.openRawById(bob.id, added.id), null);
    assert.equal(await t.store.messages.getById(alice.id, 'not-an-id', ['subject']), null);
  } finally {
    await t.close();
  }
});
