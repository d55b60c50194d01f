// Flags live in the mailbox index (docs/ARCHITECTURE.md §3, "Flags live in the mailbox index"): a
// flag change writes no message document, every read of a document's flags takes them from the
// index, a move carries them into its document, an index rebuilt from the messages keeps them, and
// the journal after a mailbox's checkpoint outlives the prune.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ObjectId } from 'mongodb';
import { mail } from './_mail.ts';
import { openStore, openSecondStore, openWatchedStore, type TestStore } from './_store.ts';
import { INDEX_COLLECTION } from '../../server/store/mailbox-index/checkpoint.ts';
import type { Store } from '../../server/store/index.ts';

let t: TestStore;
before(async () => {
  t = await openStore();
});
after(async () => {
  await t.close();
});

let n = 0;
async function mailboxWithThree(store: Store = t.store) {
  const u = await t.store.users.create({ username: `ixf${++n}`, password: 'pw' });
  const inbox = (await t.store.mailboxes.get(u.id, 'INBOX'))!;
  for (let i = 1; i <= 3; i++)
    await store.messages.add({
      user: u.id,
      mailbox: inbox.id,
      raw: mail({ subject: `m${i}`, text: `needle ${i}` }),
      flags: i === 1 ? ['\\Seen'] : [],
    });
  const store2 = (uids: number[] | [number, number][], flags: string[], action: 'add' | 'remove' | 'set') =>
    store.messages.updateFlags({ user: u.id, mailbox: inbox.id, uids, flags, action });
  return { user: u.id, inbox: inbox.id, setFlags: store2 };
}

const flagsIn = async (store: Store, user: string, mailbox: string) =>
  Object.fromEntries(
    (await store.messages.view(user, mailbox))!.entries.map((e) => [e.uid, [...e.flags].sort()]),
  );

test('a flag change sends nothing to the messages; reads of documents give the flags the index lists', async () => {
  const b = await openWatchedStore(t);
  try {
    const { user, inbox, setFlags } = await mailboxWithThree(b.store);
    b.take();
    const r = await setFlags([2, 3], ['\\Flagged', 'Work'], 'add');
    await setFlags([1], ['\\Seen'], 'remove');
    assert.deepEqual(
      b.take((c) => c.collection === 'messages'),
      [],
      'no command on the messages',
    );
    assert.deepEqual(
      r.updated.map((x) => x.uid),
      [2, 3],
    );

    // through the other process too, which reads the documents for these fields
    const fetched = [];
    for await (const m of t.store.messages.fetch(user, inbox, [[1, 3]], ['flags', 'modseq', 'subject']))
      fetched.push([m.uid, [...m.flags!].sort(), m.subject]);
    assert.deepEqual(fetched, [
      [1, [], 'm1'],
      [2, ['Work', '\\Flagged'], 'm2'],
      [3, ['Work', '\\Flagged'], 'm3'],
    ]);
    const v = (await t.store.messages.view(user, inbox))!;
    const e2 = v.get(2)!;
    const byId = await t.store.messages.getById(user, e2.id, ['flags', 'modseq']);
    assert.deepEqual([[...byId!.flags!].sort(), byId!.modseq], [['Work', '\\Flagged'], e2.modseq]);
    // a search that reads the documents of a few UIDs matches the flags of the index
    const found = await t.store.messages.search(user, inbox, {
      type: 'and',
      keys: [
        { type: 'uid', uids: [[1, 3]] },
        { type: 'flag', flag: 'Work', set: true },
        { type: 'text', value: 'needle' },
      ],
    });
    assert.deepEqual(found, [2, 3]);
    const unseen = await t.store.messages.search(user, inbox, {
      type: 'and',
      keys: [
        { type: 'uid', uids: [[1, 3]] },
        { type: 'flag', flag: '\\Seen', set: false },
        { type: 'body', value: 'needle 1' },
      ],
    });
    assert.deepEqual(unseen, [1]);
  } finally {
    await b.close();
  }
});

test('an index rebuilt from the messages keeps the flags changed since they came', async () => {
  const { user, inbox, setFlags } = await mailboxWithThree();
  await setFlags([2], ['\\Answered', 'Later'], 'add');
  await setFlags([1], ['\\Seen'], 'remove');
  await setFlags([3], ['\\Deleted'], 'add');
  const want = { 1: [], 2: ['Later', '\\Answered'], 3: ['\\Deleted'] };
  assert.deepEqual(await flagsIn(t.store, user, inbox), want);

  // a writer that died between its UID and its journal entry: the next reader finds a gap and
  // rebuilds from the messages
  const box = new ObjectId(inbox);
  await t.db.collection('mailboxes').updateOne({ _id: box }, { $inc: { modifyIndex: 1 } });
  const logs: string[] = [];
  const b = await openSecondStore(t, () => undefined, { log: (m) => logs.push(m) });
  try {
    await b.store.messages.view(user, inbox);
    await setFlags([3], ['\\Deleted'], 'remove');
    assert.ok(logs.includes('mailbox index repaired from its messages'), logs.join(', '));
    assert.deepEqual(await flagsIn(b.store, user, inbox), { ...want, 3: [] });
  } finally {
    await b.close();
  }
});

test('an index built from the messages of a mailbox without a checkpoint takes the flags from the journal', async () => {
  const { user, inbox, setFlags } = await mailboxWithThree();
  await setFlags([2], ['\\Answered', 'Later'], 'add');
  await setFlags([1], ['\\Seen'], 'remove');
  await dropCheckpoint(inbox);
  const logs: string[] = [];
  const c = await openSecondStore(t, () => undefined, { log: (m) => logs.push(m) });
  try {
    assert.deepEqual(await flagsIn(c.store, user, inbox), { 1: [], 2: ['Later', '\\Answered'], 3: [] });
    assert.ok(logs.includes('mailbox index built from its messages'), logs.join(', '));
  } finally {
    await c.close();
  }
});

async function dropCheckpoint(mailbox: string): Promise<void> {
  const coll = t.db.collection<{ _id: string; mailbox: ObjectId }>(INDEX_COLLECTION);
  await coll.deleteMany({ mailbox: new ObjectId(mailbox) });
  await coll.deleteMany({ _id: mailbox });
}

test('a move carries the flags into the document it moves', async () => {
  const { user, inbox, setFlags } = await mailboxWithThree();
  const target = await t.store.mailboxes.create(user, 'Moved');
  await setFlags([2], ['\\Flagged', 'Keep'], 'add');
  const m = await t.store.messages.move({ user, mailbox: inbox, uids: [2], target: target.id });
  assert.deepEqual(m.map, [{ source: 2, target: 1 }]);
  const d = (await t.db.collection('messages').findOne({ mailbox: new ObjectId(target.id), uid: 1 }))!;
  assert.deepEqual([[...(d.flags as string[])].sort(), d.flagged], [['Keep', '\\Flagged'], true]);
  // the target's index built from its documents alone (no checkpoint, no journal) has them
  await dropCheckpoint(target.id);
  await t.db.collection('journal').deleteMany({ mailbox: new ObjectId(target.id) });
  const b = await openSecondStore(t, () => undefined);
  try {
    assert.deepEqual(await flagsIn(b.store, user, target.id), { 1: ['Keep', '\\Flagged'] });
  } finally {
    await b.close();
  }
});

test('the prune keeps the journal after a mailbox checkpoint, and the flags it holds', async () => {
  const b = await openSecondStore(t, () => undefined);
  const { user, inbox } = await mailboxWithThree(b.store);
  const setFlags = (uid: number, flag: string) =>
    t.store.messages.updateFlags({ user, mailbox: inbox, uids: [uid], flags: [flag], action: 'add' });
  await b.store.messages.updateFlags({ user, mailbox: inbox, uids: [1], flags: ['One'], action: 'add' });
  // a clean close writes a checkpoint of all it holds
  await b.close();
  const header = (await t.db
    .collection<{ _id: string; modseq: number }>(INDEX_COLLECTION)
    .findOne({ _id: inbox }))!;
  const checkpointed = header.modseq as number;
  // changes after the checkpoint, by a process that writes none yet
  await setFlags(2, 'Two');
  await setFlags(3, 'Three');
  const journal = t.db.collection('journal');
  const box = new ObjectId(inbox);
  await journal.updateMany({ mailbox: box }, { $set: { created: new Date(Date.now() - 30 * 86_400_000) } });
  const all = (await journal.find({ mailbox: box }).toArray()).map((e) => e.modseq as number);
  const after = all.filter((m) => m > checkpointed);
  assert.ok(after.length >= 2);

  await t.store.notify.prune(7 * 86_400_000);
  const left = (await journal.find({ mailbox: box }).toArray())
    .map((e) => e.modseq as number)
    .sort((x, y) => x - y);
  assert.deepEqual(
    left,
    after.sort((x, y) => x - y),
    'up to the checkpoint only',
  );
  const c = await openSecondStore(t, () => undefined);
  try {
    assert.deepEqual(await flagsIn(c.store, user, inbox), {
      1: ['One', '\\Seen'],
      2: ['Two'],
      3: ['Three'],
    });
  } finally {
    await c.close();
  }
});
