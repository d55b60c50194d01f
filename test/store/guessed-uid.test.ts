// A delivery writes its message beside its UID allocation, at the UID and MODSEQ its process
// expects (docs/ARCHITECTURE.md §3, "The guessed UID"): a guess that misses is put right, and a
// message left at a UID no allocation gave is listed by no index and gives way to the next change.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ObjectId } from 'mongodb';
import { mail } from './_mail.ts';
import { openStore, openSecondStore, openWatchedStore, readBack, type TestStore } from './_store.ts';
import { INDEX_COLLECTION } from '../../server/store/mailbox-index/checkpoint.ts';

let t: TestStore;
before(async () => {
  t = await openStore();
});
after(async () => {
  await t.close();
});

let n = 0;
async function newUser(): Promise<{ user: string; inbox: string; other: string }> {
  const u = await t.store.users.create({ username: `guess${++n}`, password: 'pw' });
  const inbox = (await t.store.mailboxes.get(u.id, 'INBOX'))!;
  const other = await t.store.mailboxes.create(u.id, 'Other');
  return { user: u.id, inbox: inbox.id, other: other.id };
}

test('a second add to a mailbox has its message written when its UID allocation is back; the first has not', async () => {
  const { user, inbox } = await newUser();
  const messages = t.db.collection('messages');
  // at "allocated" the allocation is back: what is in the database then tells whether the insert
  // went out beside it
  const seen: number[] = [];
  let uid = 0;
  const b = await openSecondStore(t, () => undefined, {
    onStep: async (step) => {
      if (step === 'allocated')
        seen.push(await messages.countDocuments({ mailbox: new ObjectId(inbox), uid }));
    },
  });
  try {
    for (uid = 1; uid <= 3; uid++)
      await b.store.messages.add({ user, mailbox: inbox, raw: mail({ subject: `m${uid}` }) });
    assert.deepEqual(seen, [0, 1, 1], 'the first add waits for its allocation; the next ones do not');
    assert.deepEqual(await t.store.messages.listUids(user, inbox), [1, 2, 3]);
  } finally {
    await b.close();
  }
});

test('two processes adding in turn: every guess that missed is put right and the message written at its UID', async () => {
  const { user, inbox } = await newUser();
  const b = await openWatchedStore(t);
  try {
    const raws = new Map<number, Buffer>();
    for (let i = 1; i <= 6; i++) {
      const raw = mail({ subject: `turn ${i}`, text: `body ${i}` });
      const s = i % 2 ? t.store : b.store;
      const r = await s.messages.add({ user, mailbox: inbox, raw });
      assert.equal(r.uid, i);
      raws.set(r.uid, raw);
    }
    // b's first add guessed nothing; each later one guessed the UID t had taken meanwhile, so its
    // guess found that message there and the add wrote again at the UID it was given
    assert.equal(b.take((c) => c.collection === 'messages' && c.name === 'insert').length, 5);
    const docs = await t.db
      .collection('messages')
      .find({ mailbox: new ObjectId(inbox) }, { projection: { uid: 1, modseq: 1 } })
      .toArray();
    assert.deepEqual(
      docs.map((d) => d.uid).sort((x, y) => x - y),
      [1, 2, 3, 4, 5, 6],
    );
    for (const s of [t.store, b.store]) {
      assert.deepEqual(await s.messages.listUids(user, inbox), [1, 2, 3, 4, 5, 6]);
      await readBack(s, user, inbox, raws);
    }
  } finally {
    await b.close();
  }
});

test('a guess written at a UID the allocation did not give is taken back', async () => {
  const { user, inbox } = await newUser();
  const b = await openWatchedStore(t);
  try {
    await b.store.messages.add({ user, mailbox: inbox, raw: mail({ subject: 'one' }) });
    // another process took UID 2 and MODSEQ 2 and died before writing anything
    await t.db
      .collection('mailboxes')
      .updateOne({ _id: new ObjectId(inbox) }, { $inc: { uidNext: 1, modifyIndex: 1 } });
    const raw = mail({ subject: 'three' });
    const r = await b.store.messages.add({ user, mailbox: inbox, raw });
    assert.equal(r.uid, 3);
    assert.ok(
      b.take((c) => c.collection === 'messages').some((c) => c.name === 'delete'),
      'the guess at UID 2 was taken back',
    );
    const docs = await t.db
      .collection('messages')
      .find({ mailbox: new ObjectId(inbox) })
      .toArray();
    assert.deepEqual(
      docs.map((d) => d.uid).sort((x, y) => x - y),
      [1, 3],
    );
    assert.deepEqual(await t.store.messages.listUids(user, inbox), [1, 3]);
    await readBack(t.store, user, inbox, new Map([[3, raw]]));
  } finally {
    await b.close();
  }
});

/** A copy of the mailbox's message at `uid`, put at the mailbox's next UID without an allocation,
 * as a process that died between writing its guess and its allocation leaves it. */
async function leaveBehind(mailbox: string, uid: number): Promise<number> {
  const messages = t.db.collection('messages');
  const box = (await t.db.collection('mailboxes').findOne({ _id: new ObjectId(mailbox) }))!;
  const d = (await messages.findOne({ mailbox: new ObjectId(mailbox), uid }))!;
  await messages.insertOne({ ...d, _id: new ObjectId(), uid: box.uidNext, modseq: box.modifyIndex + 1 });
  return box.uidNext as number;
}

test('a message left at the next UID is listed by no index and gives way to the next add, copy and move', async () => {
  const { user, inbox, other } = await newUser();
  const first = mail({ subject: 'first' });
  await t.store.messages.add({ user, mailbox: inbox, raw: first });
  await t.store.messages.copy({ user, mailbox: inbox, uids: [1], target: other });

  // built from the messages by another process, the index leaves it out
  const left = await leaveBehind(inbox, 1);
  assert.equal(left, 2);
  await t.db.collection(INDEX_COLLECTION).deleteMany({ _id: new ObjectId(inbox) });
  const b = await openSecondStore(t, () => undefined);
  try {
    assert.deepEqual(await b.store.messages.listUids(user, inbox), [1]);
    // an add there takes the UID: the message is its own, byte for byte
    const raw = mail({ subject: 'second', text: 'not the first' });
    const r = await b.store.messages.add({ user, mailbox: inbox, raw });
    assert.equal(r.uid, 2);
    await readBack(t.store, user, inbox, new Map([[2, raw]]));
    assert.equal(
      await t.db.collection('messages').countDocuments({ mailbox: new ObjectId(inbox), uid: 2 }),
      1,
    );

    // a copy and a move into a mailbox with one left behind
    assert.equal(await leaveBehind(other, 1), 2);
    const c = await t.store.messages.copy({ user, mailbox: inbox, uids: [2], target: other });
    assert.deepEqual(c.map, [{ source: 2, target: 2 }]);
    assert.equal(await leaveBehind(other, 1), 3);
    const m = await t.store.messages.move({ user, mailbox: inbox, uids: [1], target: other });
    assert.deepEqual(m.map, [{ source: 1, target: 3 }]);
    await readBack(
      t.store,
      user,
      other,
      new Map([
        [1, first],
        [2, raw],
        [3, first],
      ]),
    );
    assert.equal(await t.db.collection('messages').countDocuments({ mailbox: new ObjectId(other) }), 3);
  } finally {
    await b.close();
  }
});
