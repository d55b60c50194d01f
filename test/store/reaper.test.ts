// An expunge queues its messages' removal and the reaper deletes their documents a moment later, a
// page at a time (docs/ARCHITECTURE.md §3, "Removal after the expunge"). Until then no read lists
// them, an index built from the messages leaves them out, and the sweep counts no storage for them;
// removals a process that died left are reaped by another, and two reaps at once give back each
// attachment reference once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { buffer } from 'node:stream/consumers';
import { ObjectId } from 'mongodb';
import { openStore, openSecondStore, all, runChild, type TestStore } from './_store.ts';
import { mail, bytes } from './_mail.ts';
import { INDEX_COLLECTION } from '../../server/store/mailbox-index/checkpoint.ts';
import { INDEX_RECHECK_MS } from '../../server/store/mailbox-index/cache.ts';

let t: TestStore;
before(async () => {
  t = await openStore({ externalizeAbove: 1024, lockTtlMs: 500 });
});
after(async () => {
  await t.close();
});

let n = 0;
async function filled(count: number, attachment?: number) {
  const u = await t.store.users.create({ username: `reap${++n}`, password: 'pw' });
  const inbox = (await t.store.mailboxes.get(u.id, 'INBOX'))!;
  const ids: string[] = [];
  const raws: Buffer[] = [];
  for (let i = 1; i <= count; i++) {
    const raw = mail({
      subject: `m${i}`,
      text: `needle ${i}\r\n`,
      ...(attachment !== undefined ? { attachment: bytes(3000, attachment), filename: 'a.bin' } : {}),
    });
    raws.push(raw);
    ids.push((await t.store.messages.add({ user: u.id, mailbox: inbox.id, raw })).id);
  }
  return { u, inbox, ids, raws };
}

const messagesIn = (mailbox: string) =>
  t.db.collection('messages').countDocuments({ mailbox: new ObjectId(mailbox) });
const removals = () => t.db.collection('removals').countDocuments({});

test('an expunged message waits for the reap: no read lists it, a build leaves it out, the sweep counts it not', async () => {
  const { u, inbox, ids, raws } = await filled(5);
  const storage = (await t.store.users.get(u.id))!.storageUsed;
  assert.deepEqual(
    (await t.store.messages.expunge({ user: u.id, mailbox: inbox.id, uids: [2, 4], requireDeleted: false }))
      .uids,
    [2, 4],
  );
  assert.equal(await messagesIn(inbox.id), 5, 'the documents are still there');
  assert.equal(await removals(), 1);
  assert.equal(
    (await t.store.users.get(u.id))!.storageUsed,
    storage - raws[1]!.length - raws[3]!.length,
    'their storage is given back at once',
  );

  // reads by query, by _id and by UID
  const subjects = await all(t.store.messages.fetch(u.id, inbox.id, [[1, 5]], ['subject']));
  assert.deepEqual(
    subjects.map((v) => v.subject),
    ['m1', 'm3', 'm5'],
  );
  assert.equal(await t.store.messages.getById(u.id, ids[1]!, ['subject']), null);
  assert.equal(await t.store.messages.openRawById(u.id, ids[3]!), null);
  assert.equal(await t.store.messages.openRaw(u.id, inbox.id, 2), null);
  assert.equal(await t.store.messages.pager(u.id, inbox.id, [[1, 5]]).open(4), null);
  assert.deepEqual(
    await t.store.messages.search(u.id, inbox.id, { type: 'text', value: 'needle' }),
    [1, 3, 5],
  );
  const m3 = await t.store.messages.pager(u.id, inbox.id, [[1, 5]]).open(3);
  assert.deepEqual(await buffer(m3!.raw().stream), raws[2]);

  // sweep slices count what is stored, without the messages that wait
  for (;;) {
    const { report, done } = await t.store.sweepSlice({ graceMs: 0 });
    assert.equal(report.storageFixed, 0, 'no storage counted for the expunged messages');
    if (done) break;
  }

  // another process with no checkpoint builds its index from the messages
  await t.db.collection(INDEX_COLLECTION).deleteMany({});
  const other = await openSecondStore(t, () => undefined);
  try {
    assert.deepEqual(await other.store.messages.listUids(u.id, inbox.id), [1, 3, 5]);
    assert.equal(await messagesIn(inbox.id), 5);
  } finally {
    // a shutdown reaps what is queued, whoever queued it
    await other.close();
  }
  assert.equal(await messagesIn(inbox.id), 3);
  assert.equal(await removals(), 0);
  assert.equal(await t.store.reap(), 0);
  assert.equal((await t.store.users.get(u.id))!.storageUsed, storage - raws[1]!.length - raws[3]!.length);
  assert.equal((await t.store.sweep({ graceMs: 0 })).storageFixed, 0);
});

test('two reaps at once give back each attachment reference once', async () => {
  const { u, inbox } = await filled(4, 7);
  const sha = (await t.db.collection('messages').findOne({ mailbox: new ObjectId(inbox.id) }))!
    .attachmentRefs[0] as string;
  assert.equal((await t.store.attachments.stat(sha))?.refs, 4);
  await t.store.messages.expunge({ user: u.id, mailbox: inbox.id, uids: [1, 2, 3], requireDeleted: false });
  const other = await openSecondStore(t, () => undefined);
  try {
    const [a, b] = await Promise.all([t.store.reap(), other.store.reap()]);
    assert.equal(a + b, 3, `each message deleted once (${a} + ${b})`);
  } finally {
    await other.close();
  }
  assert.equal((await t.store.attachments.stat(sha))?.refs, 1);
  assert.equal(await messagesIn(inbox.id), 1);
  assert.equal((await t.store.sweep({ graceMs: 0 })).refsFixed, 0);
});

test('deleting a mailbox with removals queued gives back its storage once', async () => {
  const { u } = await filled(0);
  const box = await t.store.mailboxes.create(u.id, 'Doomed');
  for (let i = 0; i < 3; i++)
    await t.store.messages.add({ user: u.id, mailbox: box.id, raw: mail({ subject: `d${i}` }) });
  await t.store.messages.expunge({ user: u.id, mailbox: box.id, uids: [1], requireDeleted: false });
  await t.store.mailboxes.delete(u.id, 'Doomed');
  const user = (await t.store.users.get(u.id))!;
  assert.equal(user.storageUsed, 0);
  assert.equal(user.messagesUsed, 0);
  assert.equal(await messagesIn(box.id), 0);
  assert.equal(await t.db.collection('removals').countDocuments({ mailbox: new ObjectId(box.id) }), 0);
});

const fixture = fileURLToPath(new URL('./fixtures/expunge-and-die.ts', import.meta.url));

/** A child process that expunges `uids` of the mailbox and dies: after its expunge, or with
 * `beforeJournal` between its removal and its journal entries. */
function expungeAndDie(user: string, mailbox: string, uids: string, beforeJournal = false) {
  return runChild(fixture, t, {
    CRASH_USER: user,
    CRASH_MAILBOX: mailbox,
    CRASH_UIDS: uids,
    ...(beforeJournal ? { CRASH_BEFORE_JOURNAL: '1' } : {}),
  });
}

test('a removal a process that died left is reaped by another process’s maintenance', async () => {
  const { u, inbox, raws } = await filled(3, 9);
  assert.equal(await expungeAndDie(u.id, inbox.id, '1,3'), 0, 'the child expunged and died');
  assert.equal(await messagesIn(inbox.id), 3, 'it died before its reap');
  assert.deepEqual(await t.store.messages.listUids(u.id, inbox.id), [2]);
  // as if its reap were long overdue
  await t.db.collection('removals').updateMany({}, { $set: { created: new Date(Date.now() - 60_000) } });
  const stop = t.store.startMaintenance({ sweepSliceEveryMs: 50 });
  try {
    // the removal document goes last
    for (let i = 0; i < 100 && (await removals()) > 0; i++) await new Promise((r) => setTimeout(r, 50));
  } finally {
    stop();
  }
  assert.equal(await messagesIn(inbox.id), 1);
  assert.equal(await removals(), 0);
  const s = await t.store.messages.openRaw(u.id, inbox.id, 2);
  assert.deepEqual(await buffer(s!.stream), raws[1]);
  const sha = (await t.db.collection('messages').findOne({ mailbox: new ObjectId(inbox.id) }))!
    .attachmentRefs[0] as string;
  assert.equal((await t.store.attachments.stat(sha))?.refs, 1);
});

test('killed between its removal and its journal entries: the repair leaves the messages out', async () => {
  const { u, inbox, raws } = await filled(4);
  const storage = (await t.store.users.get(u.id))!.storageUsed;
  // this process's index knows all four before the child dies
  assert.deepEqual(await t.store.messages.listUids(u.id, inbox.id), [1, 2, 3, 4]);
  assert.equal(await expungeAndDie(u.id, inbox.id, '2,3', true), 0, 'the child died before its journal');
  assert.equal(
    await t.db.collection('journal').countDocuments({ mailbox: new ObjectId(inbox.id), command: 'EXPUNGE' }),
    0,
  );
  assert.equal(await messagesIn(inbox.id), 4);
  // MODSEQs taken with no entries and never announced: the index sees them by its next look at
  // the mailbox document and repairs from the messages, without the queued two
  await new Promise((r) => setTimeout(r, INDEX_RECHECK_MS + 100));
  assert.deepEqual(await t.store.messages.listUids(u.id, inbox.id), [1, 4]);
  assert.equal(await t.store.messages.openRaw(u.id, inbox.id, 2), null);
  const s = await t.store.messages.openRaw(u.id, inbox.id, 4);
  assert.deepEqual(await buffer(s!.stream), raws[3]);
  assert.equal(await t.store.reap(), 2);
  assert.equal(await messagesIn(inbox.id), 2);
  // what it gave back may have died with it (counted for a moment in that process): never less
  // than is stored, and the sweep counts it again
  assert.ok((await t.store.users.get(u.id))!.storageUsed >= storage - raws[1]!.length - raws[2]!.length);
  await t.store.sweep({ graceMs: 0 });
  assert.equal((await t.store.users.get(u.id))!.storageUsed, storage - raws[1]!.length - raws[2]!.length);
});
