// A message without bodies for GridFS has its quota reserved under the mailbox lock at the same
// time as its UID and MODSEQ are taken (docs/ARCHITECTURE.md §3). A refusal, or any failure of the
// reservation step, must then still charge nothing, and the MODSEQ already taken must be in the
// journal, so that no index, in this process or another, finds a gap and rebuilds from the messages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MongoClient, ObjectId } from 'mongodb';
import { openStore, type TestStore } from './_store.ts';
import { mail } from './_mail.ts';
import { openTestRedis, testEnv } from '../helpers/backends.ts';
import { createStore, type AddStep, type MailboxView, type Store } from '../../server/store/index.ts';

let t: TestStore;
const logs: string[] = [];
let failAt: AddStep | null = null;
/** A second store on the same back end, as another process would have. */
let other: { store: Store; logs: string[]; close(): Promise<void> };

before(async () => {
  t = await openStore({
    log: (m) => logs.push(m),
    onStep: (step) => {
      if (step === failAt) throw new Error(`failure injected at ${step}`);
    },
  });
  const client = new MongoClient(testEnv().mongodbUri);
  await client.connect();
  const redis = openTestRedis();
  const otherLogs: string[] = [];
  const store = createStore({
    db: client.db(t.dbName),
    redis,
    options: { bcryptRounds: 4, channelPrefix: t.store.notify.prefix, log: (m) => otherLogs.push(m) },
  });
  other = {
    store,
    logs: otherLogs,
    async close() {
      await store.close();
      redis.disconnect();
      await client.close();
    },
  };
});
after(async () => {
  await other?.close();
  await t?.close();
});

/** The mailbox's MODSEQ and the MODSEQs its journal holds, ascending. */
async function journalOf(mailbox: string): Promise<{ modifyIndex: number; modseqs: number[] }> {
  const box = await t.db.collection('mailboxes').findOne({ _id: new ObjectId(mailbox) });
  const entries = await t.db
    .collection('journal')
    .find({ mailbox: new ObjectId(mailbox), modseq: { $gt: 0 } })
    .toArray();
  return {
    modifyIndex: box!.modifyIndex as number,
    modseqs: entries.map((e) => e.modseq as number).sort((a, b) => a - b),
  };
}

const upTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
const repaired = (lines: string[]) => lines.filter((l) => /repaired from its messages/.test(l));

test('over quota: nothing charged, the MODSEQ taken is journaled as expunged, no index rebuilds', async () => {
  const first = mail({ subject: 'fits' });
  const u = await t.store.users.create({
    username: 'alongside-quota',
    password: 'pw',
    quota: first.length + 100,
  });
  const inbox = (await t.store.mailboxes.get(u.id, 'INBOX'))!;
  const kept = await t.store.messages.add({ user: u.id, mailbox: inbox.id, raw: first });
  // both processes hold the mailbox's index before the refusal
  assert.deepEqual((await t.store.messages.view(u.id, inbox.id))!.uids(), [kept.uid]);
  assert.deepEqual((await other.store.messages.view(u.id, inbox.id))!.uids(), [kept.uid]);
  logs.length = 0;
  other.logs.length = 0;

  await assert.rejects(
    t.store.messages.add({
      user: u.id,
      mailbox: inbox.id,
      raw: mail({ subject: 'too big', text: 'x'.repeat(500) }),
    }),
    (err: Error & { code?: string }) => err.code === 'OVERQUOTA',
  );
  const user = (await t.store.users.get(u.id))!;
  assert.equal(user.storageUsed, first.length, 'the refused message charged nothing');
  assert.equal(user.messagesUsed, 1);

  // the allocation did run beside the reservation, and its MODSEQ is in the journal
  const j = await journalOf(inbox.id);
  assert.equal(j.modifyIndex, 2, 'UID and MODSEQ were taken for the refused message');
  assert.deepEqual(j.modseqs, upTo(j.modifyIndex), 'no MODSEQ without a journal entry');
  const unused = await t.db.collection('journal').findOne({ mailbox: new ObjectId(inbox.id), modseq: 2 });
  assert.equal(unused!.command, 'EXPUNGE');
  assert.equal(unused!.uid, kept.uid + 1);

  // both indexes reach the mailbox's MODSEQ from the journal, neither from the messages
  for (const s of [t.store, other.store]) {
    const v: MailboxView = (await s.messages.view(u.id, inbox.id, j.modifyIndex))!;
    assert.ok(v.modseq >= j.modifyIndex);
    assert.deepEqual(v.uids(), [kept.uid]);
  }
  assert.deepEqual(repaired(logs), []);
  assert.deepEqual(repaired(other.logs), []);

  // room again: the next message takes the next UID and is charged exactly
  await t.store.users.update(u.id, { quota: 0 });
  const next = await t.store.messages.add({ user: u.id, mailbox: inbox.id, raw: mail({ subject: 'later' }) });
  assert.equal(next.uid, kept.uid + 2);
  assert.equal((await t.store.users.get(u.id))!.storageUsed, first.length + next.size);
  assert.deepEqual((await journalOf(inbox.id)).modseqs, upTo(3));
});

test('over the message limit: the same, nothing counted and no gap', async () => {
  const u = await t.store.users.create({ username: 'alongside-limit', password: 'pw', messageQuota: 1 });
  const inbox = (await t.store.mailboxes.get(u.id, 'INBOX'))!;
  const kept = await t.store.messages.add({ user: u.id, mailbox: inbox.id, raw: mail({ subject: 'one' }) });
  await assert.rejects(
    t.store.messages.add({ user: u.id, mailbox: inbox.id, raw: mail({ subject: 'two' }) }),
    (err: Error & { code?: string }) => err.code === 'OVERQUOTA',
  );
  const user = (await t.store.users.get(u.id))!;
  assert.equal(user.messagesUsed, 1);
  assert.equal(user.storageUsed, kept.size);
  const j = await journalOf(inbox.id);
  assert.equal(j.modifyIndex, 2);
  assert.deepEqual(j.modseqs, upTo(2));
});

test('a failure right after the reservation gives it back and leaves no gap', async () => {
  const u = await t.store.users.create({ username: 'alongside-fail', password: 'pw', quota: 1_000_000 });
  const inbox = (await t.store.mailboxes.get(u.id, 'INBOX'))!;
  assert.deepEqual((await t.store.messages.view(u.id, inbox.id))!.uids(), []);
  logs.length = 0;
  failAt = 'reserved';
  try {
    await assert.rejects(
      t.store.messages.add({ user: u.id, mailbox: inbox.id, raw: mail({ subject: 'lost' }) }),
      /failure injected at reserved/,
    );
  } finally {
    failAt = null;
  }
  const user = (await t.store.users.get(u.id))!;
  assert.equal(user.storageUsed, 0);
  assert.equal(user.messagesUsed, 0);
  const j = await journalOf(inbox.id);
  assert.equal(j.modifyIndex, 1);
  assert.deepEqual(j.modseqs, [1]);
  const v = (await t.store.messages.view(u.id, inbox.id, 1))!;
  assert.deepEqual(v.uids(), []);
  assert.deepEqual(repaired(logs), []);
});
