import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ObjectId } from 'mongodb';
import type { Redis } from 'ioredis';
import { openTestDb, openTestRedis, uniqueName, type TestDb } from '../helpers/backends.ts';
import { createNotifier, type Beacon, type Notifier } from '../../server/notify/index.ts';
import { Journal } from '../../server/store/journal.ts';

let tdb: TestDb;
let redis: Redis;
let n: Notifier;
before(async () => {
  tdb = await openTestDb();
  redis = openTestRedis();
  n = createNotifier({ journal: new Journal(tdb.db), redis, prefix: uniqueName('nb') });
});
after(async () => {
  await n.close();
  redis.disconnect();
  await tdb.close();
});

function waitFor(list: Beacon[], count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 5000;
    const tick = () => {
      if (list.length >= count) return resolve();
      if (Date.now() > deadline) return reject(new Error(`only ${list.length} of ${count} beacons`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

test('record writes the journal in order and rings the user and global channels', async () => {
  const user = new ObjectId().toHexString();
  const other = new ObjectId().toHexString();
  const mailbox = new ObjectId().toHexString();
  const mine: Beacon[] = [];
  const theirs: Beacon[] = [];
  const global: Beacon[] = [];
  const un1 = await n.subscribe(user, (b) => mine.push(b));
  const un2 = await n.subscribe(other, (b) => theirs.push(b));
  const un3 = await n.subscribeAll((b) => global.push(b));
  await n.record([
    { user, mailbox, modseq: 1, command: 'EXISTS', uid: 1, flags: [] },
    { user, mailbox, modseq: 2, command: 'FETCH', uid: 1, flags: ['\\Seen'] },
  ]);
  await waitFor(mine, 1);
  await waitFor(global, 1);
  // a small change travels in the beacon itself, for the mailbox indexes of other processes
  assert.deepEqual(mine, [
    {
      user,
      mailbox,
      command: 'FETCH',
      uid: 1,
      modseq: 2,
      count: 2,
      entries: [
        { user, mailbox, modseq: 1, command: 'EXISTS', uid: 1, flags: [] },
        { user, mailbox, modseq: 2, command: 'FETCH', uid: 1, flags: ['\\Seen'] },
      ],
    },
  ]);
  assert.deepEqual(global, mine);
  assert.deepEqual(theirs, []);

  const entries = [];
  for await (const e of n.journalSince(mailbox, 0)) entries.push(e);
  assert.deepEqual(
    entries.map(({ id: _id, created: _c, ...rest }) => rest),
    [
      { user, mailbox, modseq: 1, command: 'EXISTS', uid: 1, flags: [] },
      { user, mailbox, modseq: 2, command: 'FETCH', uid: 1, flags: ['\\Seen'] },
    ],
  );
  const after1 = [];
  for await (const e of n.journalSince(mailbox, 1)) after1.push(e.modseq);
  assert.deepEqual(after1, [2]);

  await un1();
  await un1(); // idempotent
  await n.record([{ user, mailbox, modseq: 3, command: 'EXPUNGE', uid: 1 }]);
  await waitFor(global, 2);
  assert.equal(mine.length, 1, 'no beacons after unsubscribe');
  await un2();
  await un3();
});

test('two listeners on one user share the subscription; removing one keeps the other', async () => {
  const user = new ObjectId().toHexString();
  const mailbox = new ObjectId().toHexString();
  const a: Beacon[] = [];
  const b: Beacon[] = [];
  const ua = await n.subscribe(user, (x) => a.push(x));
  const ub = await n.subscribe(user, (x) => b.push(x));
  await ua();
  await n.record([{ user, mailbox, modseq: 1, command: 'EXISTS', uid: 1 }]);
  await waitFor(b, 1);
  assert.equal(a.length, 0);
  await ub();
});

test('prune removes old entries only', async () => {
  const user = new ObjectId();
  const mailbox = new ObjectId();
  await tdb.db.collection('journal').insertMany([
    { user, mailbox, modseq: 1, command: 'EXISTS', uid: 1, created: new Date(Date.now() - 10_000) },
    { user, mailbox, modseq: 2, command: 'EXISTS', uid: 2, created: new Date() },
  ]);
  assert.equal(await n.prune(5_000), 1);
  const left = [];
  for await (const e of n.journalSince(mailbox.toHexString(), 0)) left.push(e.uid);
  assert.deepEqual(left, [2]);
});
