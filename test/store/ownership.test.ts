// Lookups by message id filter on _id alone (FerretDB's only index-served filter) and check the
// owner in code: another user's id must still find nothing. Calls naming a mailbox refuse one the
// acting user does not own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from './_store.ts';
import { createStore, isStoreError, type Store } from '../../server/store/index.ts';

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

test("every call naming a mailbox refuses another user's, warm or cold, and changes nothing", async () => {
  const t = await openStore();
  // a second store on the same data, as another process would be: it holds no mailbox index yet,
  // so its owner checks read the mailbox instead of the index
  const cold = createStore({ db: t.db, redis: t.redis, options: { bcryptRounds: 4 } });
  try {
    const alice = await t.store.users.create({ username: 'alice2', password: 'alice-password' });
    const bob = await t.store.users.create({ username: 'bob2', password: 'bob-password' });
    const inbox = (await t.store.mailboxes.get(alice.id, 'INBOX'))!;
    const archive = (await t.store.mailboxes.get(alice.id, 'Archive'))!;
    const bobs = (await t.store.mailboxes.get(bob.id, 'INBOX'))!;
    const raw = Buffer.from('Subject: mine\r\n\r\nsecret body\r\n');
    await t.store.messages.add({ user: alice.id, mailbox: inbox.id, raw, flags: ['\\Deleted'] });
    await t.store.messages.add({ user: alice.id, mailbox: inbox.id, raw });

    const drain = async (it: AsyncIterable<unknown>) => {
      for await (const _ of it) void _;
    };
    const calls = (s: Store, user: string, box: string): Record<string, () => Promise<unknown>> => ({
      view: () => s.messages.view(user, box),
      listUids: () => s.messages.listUids(user, box),
      listMailbox: () => s.messages.listMailbox(user, box),
      'fetch (index fields)': () => drain(s.messages.fetch(user, box, [[1, 2]], ['flags', 'size'])),
      'fetch (document fields)': () => drain(s.messages.fetch(user, box, [[1, 2]], ['subject'])),
      openRaw: () => s.messages.openRaw(user, box, 1),
      openSection: () => s.messages.openSection(user, box, 1, 'TEXT'),
      open: () => s.messages.open(user, box, 1),
      'pager().open': () => s.messages.pager(user, box).open(1),
      'search (index)': () => s.messages.search(user, box, { type: 'flag', flag: '\\Seen', set: false }),
      'search (text)': () => s.messages.search(user, box, { type: 'body', value: 'secret' }),
      copy: () => s.messages.copy({ user, mailbox: box, uids: [[1, 2]], target: bobs.id }),
      move: () => s.messages.move({ user, mailbox: box, uids: [[1, 2]], target: bobs.id }),
      expunge: () => s.messages.expunge({ user, mailbox: box }),
      'expunge (forced)': () => s.messages.expunge({ user, mailbox: box, uids: [1], requireDeleted: false }),
      updateFlags: () =>
        s.messages.updateFlags({ user, mailbox: box, uids: [[1, 2]], action: 'add', flags: ['\\Seen'] }),
      add: () => s.messages.add({ user, mailbox: box, raw }),
      status: () => s.mailboxes.status(user, box),
    });

    for (const [name, s] of [
      ['cold', cold],
      ['warm', t.store],
    ] as const) {
      for (const [call, run] of Object.entries(calls(s, bob.id, inbox.id))) {
        await assert.rejects(run(), (e) => isStoreError(e, 'NOMAILBOX'), `${name} ${call} for bob`);
      }
    }
    // nothing of alice's changed, and bob got nothing
    const view = (await t.store.messages.view(alice.id, inbox.id))!;
    assert.deepEqual(
      view.entries.map((e) => [e.uid, [...e.flags]]),
      [
        [1, ['\\Deleted']],
        [2, []],
      ],
    );
    assert.equal((await t.store.mailboxes.status(bob.id, bobs.id)).messages, 0);
    // the owner still gets everything, in both stores
    for (const s of [cold, t.store]) {
      assert.deepEqual(await s.messages.listUids(alice.id, inbox.id), [1, 2]);
      assert.ok(await s.messages.openRaw(alice.id, inbox.id, 2));
      assert.deepEqual(
        await s.messages.search(alice.id, inbox.id, { type: 'body', value: 'secret' }),
        [1, 2],
      );
      assert.deepEqual(await s.messages.listUids(alice.id, archive.id), []);
    }
    // a mailbox that does not exist is still simply not found
    assert.equal(await t.store.messages.view(alice.id, '0123456789abcdef01234567'), null);
    assert.equal(await t.store.messages.openRaw(alice.id, '0123456789abcdef01234567', 1), null);
  } finally {
    await cold.close();
    await t.close();
  }
});
