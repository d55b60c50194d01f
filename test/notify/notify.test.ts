import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ObjectId } from 'mongodb';
import type { Redis } from 'ioredis';
import { openTestDb, openTestRedis, uniqueName, type TestDb } from '../helpers/backends.ts';
import {
  ANNOUNCED_TTL_S,
  BEACON_MAX_ENTRIES,
  createNotifier,
  type Beacon,
  type NewJournalEntry,
  type Notifier,
} from '../../server/notify/index.ts';
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

test('announcing raises each mailbox’s announced MODSEQ, never lowers it, and keeps a deleted mailbox’s mark', async () => {
  const user = new ObjectId().toHexString();
  const other = new ObjectId().toHexString();
  const [src, dst, theirs] = [1, 2, 3].map(() => new ObjectId().toHexString()) as [string, string, string];
  const ttl = async (m: string) => redis.ttl(n.keys.announcedModseq(m));
  assert.equal(await n.announced(src), null, 'nothing announced yet');
  // one record over two mailboxes of one user (a COPY) and one of another user
  await n.record([
    { user, mailbox: src, modseq: 5, command: 'FETCH', uid: 1, flags: [] },
    { user, mailbox: dst, modseq: 9, command: 'EXISTS', uid: 3, flags: [] },
    { user, mailbox: src, modseq: 6, command: 'FETCH', uid: 2, flags: [] },
    { user: other, mailbox: theirs, modseq: 2, command: 'EXPUNGE', uid: 1 },
    { user, mailbox: src, modseq: 0, command: 'COUNTERS', uid: 0 },
  ]);
  assert.deepEqual(await Promise.all([src, dst, theirs].map((m) => n.announced(m))), [6, 9, 2]);
  assert.ok((await ttl(src)) > ANNOUNCED_TTL_S - 60, 'it expires when the mailbox stays idle');
  // a lower MODSEQ announced late leaves it, and renews the TTL
  await redis.expire(n.keys.announcedModseq(dst), 100);
  await n.announce([{ user, mailbox: dst, modseq: 4, command: 'FETCH', uid: 1, flags: [] }]);
  assert.equal(await n.announced(dst), 9);
  assert.ok((await ttl(dst)) > ANNOUNCED_TTL_S - 60);
  // a change too large to travel in the beacon raises it too, as does one whose journal failed
  const many: NewJournalEntry[] = Array.from({ length: BEACON_MAX_ENTRIES + 1 }, (_, i) => ({
    user,
    mailbox: src,
    modseq: 100 + i,
    command: 'FETCH',
    uid: 1,
    flags: [],
  }));
  await n.announce(many);
  assert.equal(await n.announced(src), 100 + BEACON_MAX_ENTRIES);
  await n.announce([{ user, mailbox: src, modseq: 1000, command: 'EXPUNGE', uid: 9 }], false);
  assert.equal(await n.announced(src), 1000);
  // deleted: readers go to the document, and nothing announced later raises it again
  await n.announceGone(dst);
  assert.equal(await n.announced(dst), null);
  await n.announce([{ user, mailbox: dst, modseq: 50, command: 'FETCH', uid: 1, flags: [] }]);
  assert.equal(await n.announced(dst), null);
  assert.equal(await redis.get(n.keys.announcedModseq(dst)), 'gone');
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
