// No silent failures (docs/ARCHITECTURE.md §3): a journal write that fails is retried until it
// holds, without writing an entry twice; one that never holds fails the change's caller, and the
// change still reaches other stores; failed beacons and sweep slices are logged with their context.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MongoClient, ObjectId } from 'mongodb';
import { eventually, openStore, type TestStore } from './_store.ts';
import { mail } from './_mail.ts';
import { testEnv, openTestRedis } from '../helpers/backends.ts';
import {
  createStore,
  JournalWriteError,
  type Beacon,
  type Store,
  type StoreOptions,
} from '../../server/store/index.ts';
import { Notifier } from '../../server/notify/index.ts';
import { writeInOrder } from '../../server/store/journal-write.ts';
import { Journal } from '../../server/store/journal.ts';
import { RedisKeys } from '../../server/notify/redis-keys.ts';
import { makeCtx, resolveOptions } from '../../server/store/context.ts';
import { Locks, lockName } from '../../server/store/locks.ts';
import { SweepSliceError, sweepSlice } from '../../server/store/sweep.ts';

let t: TestStore;
before(async () => {
  t = await openStore();
});
after(async () => {
  await t.close();
});

interface Other {
  store: Store;
  logs: Array<{ msg: string; fields: Record<string, unknown> }>;
  close(): Promise<void>;
}

/** Another process's store on the same database and Redis, with its own connections. */
async function otherStore(options: StoreOptions = {}): Promise<Other> {
  const client = new MongoClient(testEnv().mongodbUri);
  await client.connect();
  const redis = openTestRedis();
  const logs: Other['logs'] = [];
  const store = createStore({
    db: client.db(t.dbName),
    redis,
    options: {
      bcryptRounds: 4,
      channelPrefix: t.store.notify.prefix,
      log: (msg, fields) => logs.push({ msg, fields }),
      ...options,
    },
  });
  return {
    store,
    logs,
    async close() {
      await store.close();
      redis.disconnect();
      await client.close();
    },
  };
}

test('a journal write that fails once is retried, and the change reaches another store', async () => {
  const u = await t.store.users.create({ username: 'jretry', password: 'pw' });
  const inbox = (await t.store.mailboxes.get(u.id, 'INBOX'))!;
  assert.equal((await t.store.messages.view(u.id, inbox.id))!.exists, 0);
  let failed = 0;
  const a = await otherStore({
    onJournalWrite: (attempt) => {
      if (attempt === 1 && failed++ === 0) throw new Error('journal write refused (injected)');
    },
  });
  try {
    const res = await a.store.messages.add({ user: u.id, mailbox: inbox.id, raw: mail({ subject: 'kept' }) });
    assert.equal(failed, 1, 'the first attempt failed');
    assert.equal(res.uid, 1);
    // the entry is in the journal once, and the first store's index follows it
    const entries = await t.db
      .collection('journal')
      .find({ mailbox: new ObjectId(inbox.id) })
      .toArray();
    assert.deepEqual(
      entries.map((e) => [e.command, e.uid, e.modseq]),
      [['EXISTS', 1, 1]],
    );
    await eventually(() => t.store.messages.view(u.id, inbox.id, 1).then((v) => v?.exists === 1));
    assert.deepEqual(await t.store.messages.listUids(u.id, inbox.id), [1]);
    const held = a.logs.filter((l) => l.msg === 'journal write held after retrying');
    assert.equal(held.length, 1, 'logged once');
    assert.equal(held[0]!.fields.mailbox, inbox.id);
    assert.equal(held[0]!.fields.user, u.id);
    assert.equal(held[0]!.fields.attempts, 2);
  } finally {
    await a.close();
  }
});

test('a retry after a write whose answer was lost continues without writing an entry twice', async () => {
  const coll = t.db.collection<{ _id: ObjectId; n: number }>(`jw_${Date.now()}`);
  const docs = [0, 1, 2, 3].map((n) => ({ _id: new ObjectId(), n }));
  const r = await writeInOrder(
    docs.length,
    async (attempt, from) => {
      if (attempt === 1) {
        // the first two went in, then the connection broke before the answer came
        await coll.insertMany(docs.slice(from, 2));
        throw new Error('connection reset (injected)');
      }
      return coll.insertMany(docs.slice(from), { ordered: true });
    },
    5000,
  );
  assert.equal(r.error, undefined);
  const stored = await coll.find().sort({ _id: 1 }).toArray();
  assert.deepEqual(
    stored.map((d) => d.n),
    [0, 1, 2, 3],
  );
  await coll.drop();
});

test('a journal write that never holds fails the change; other stores and sessions still see it', async () => {
  const u = await t.store.users.create({ username: 'jlost', password: 'pw' });
  const inbox = (await t.store.mailboxes.get(u.id, 'INBOX'))!;
  await t.store.messages.add({ user: u.id, mailbox: inbox.id, raw: mail({ subject: 'first' }) });
  assert.equal((await t.store.messages.view(u.id, inbox.id))!.exists, 1);
  const heard: Beacon[] = [];
  const unsubscribe = await t.store.notify.subscribe(u.id, (b) => heard.push(b));
  const a = await otherStore({
    journalRetryMs: 300,
    onJournalWrite: () => {
      throw new Error('journal unavailable (injected)');
    },
  });
  try {
    await assert.rejects(
      a.store.messages.add({ user: u.id, mailbox: inbox.id, raw: mail({ subject: 'second' }) }),
      (err: unknown) => err instanceof JournalWriteError && err.attempts > 1,
    );
    const failed = a.logs.filter(
      (l) => l.msg === 'journal write failed; indexes will list the change from the messages',
    );
    assert.equal(failed.length, 1, 'logged once');
    assert.equal(failed[0]!.fields.mailbox, inbox.id);
    // a beacon without entries still rings: the session hearing it goes to the mailbox
    await eventually(() => heard.some((b) => b.modseq === 2));
    assert.equal(heard.find((b) => b.modseq === 2)!.entries, undefined);
    // the message is committed: the first store's index finds the gap and rebuilds
    assert.deepEqual(await t.store.messages.listUids(u.id, inbox.id), [1, 2]);
  } finally {
    await unsubscribe();
    await a.close();
  }
});

test('a beacon that cannot be published is logged with its user and mailbox', async () => {
  const redis = openTestRedis();
  const logs: Array<{ msg: string; fields: Record<string, unknown> }> = [];
  const n = new Notifier({
    journal: new Journal(t.db),
    redis,
    prefix: t.store.notify.prefix,
    log: (msg, fields) => logs.push({ msg, fields }),
  });
  await redis.quit(); // Redis is gone for this process
  const user = new ObjectId().toHexString();
  const mailbox = new ObjectId().toHexString();
  await n.record([{ user, mailbox, modseq: 1, command: 'EXISTS', uid: 1, flags: [] }]);
  const lost = logs.filter((l) => l.msg.startsWith('beacon not published'));
  assert.equal(lost.length, 1);
  assert.equal(lost[0]!.fields.user, user);
  assert.equal(lost[0]!.fields.mailbox, mailbox);
  // the journal, the truth, has the entry
  const entries = [];
  for await (const e of n.journalSince(mailbox, 0)) entries.push(e.uid);
  assert.deepEqual(entries, [1]);
  await n.close();
});

test('a sweep slice that fails is logged, and maintenance goes on', async () => {
  // a database nobody answers at: every read of the slice fails
  const client = new MongoClient('mongodb://127.0.0.1:9/', { serverSelectionTimeoutMS: 100 });
  const redis = openTestRedis();
  const logs: string[] = [];
  const store = createStore({
    db: client.db(t.dbName),
    redis,
    options: {
      channelPrefix: t.store.notify.prefix,
      log: (msg, f) => logs.push(`${msg} ${JSON.stringify(f)}`),
    },
  });
  const stop = store.startMaintenance({ sweepSliceEveryMs: 50, sweepEveryMs: 60_000 });
  try {
    await eventually(() => logs.some((m) => m.startsWith('sweep slice failed')));
    // the same failure tick after tick (every 50 ms here) is logged once
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(logs.filter((m) => m.startsWith('sweep slice failed')).length, 1, logs.join('\n'));
  } finally {
    stop();
    await store.close();
    redis.disconnect();
    await client.close();
  }
});

test('a failing beacon listener and a lost subscriber connection are logged once each', async () => {
  const logs: Array<{ msg: string; fields: Record<string, unknown> }> = [];
  const n = new Notifier({
    journal: new Journal(t.db),
    redis: t.redis,
    prefix: `${t.store.notify.prefix}s`,
    log: (msg, fields) => logs.push({ msg, fields }),
  });
  try {
    const user = new ObjectId().toHexString();
    const mailbox = new ObjectId().toHexString();
    const heard: number[] = [];
    const un1 = await n.subscribe(user, () => {
      throw new Error('listener broke (injected)');
    });
    const un2 = await n.subscribe(user, (b) => heard.push(b.modseq));
    await n.record([{ user, mailbox, modseq: 1, command: 'EXISTS', uid: 1, flags: [] }]);
    await eventually(() => heard.includes(1));
    const broke = logs.filter((l) => l.msg === 'beacon listener failed');
    assert.equal(broke.length, 1);
    assert.equal(broke[0]!.fields.mailbox, mailbox);

    // the server drops the subscriber's connection: logged once, then it comes back by itself
    const list = String(await t.redis.client('LIST'));
    const id = /id=(\d+) .*name=(\S+)/
      .exec(list.split('\n').find((l) => l.includes(`name=${n.prefix}:beacons `)) ?? '')
      ?.at(1);
    assert.ok(id, 'the subscriber connection is named');
    await t.redis.client('KILL', 'ID', id);
    await eventually(() => logs.some((l) => l.msg === 'beacon subscriber is back'), 5000);
    assert.equal(logs.filter((l) => l.msg.startsWith('beacon subscriber lost Redis')).length, 1);
    await eventually(async () => {
      await n.record([{ user, mailbox, modseq: 2, command: 'FETCH', uid: 1, flags: [] }]);
      return heard.includes(2);
    }, 5000);
    await un1();
    await un2();
  } finally {
    await n.close();
  }
});

test('a sweep fix that fails names the document it was fixing', async () => {
  const u = await t.store.users.create({ username: 'sweepctx', password: 'pw' });
  await t.db.collection('users').updateOne({ _id: new ObjectId(u.id) }, { $set: { storageUsed: 12345 } });
  // a sweep of its own (own prefix: own cursor) whose lock waits are short
  const opts = resolveOptions({ channelPrefix: `${t.store.notify.prefix}w` });
  const notify = new Notifier({ journal: new Journal(t.db), redis: t.redis, keys: opts.keys });
  const ctx = makeCtx(t.db, t.redis, notify, opts);
  ctx.locks = new Locks(t.redis, opts.keys, 15_000, 200);
  // another live process holds the user's lock, so the recount cannot take it
  const other = new Locks(t.redis, new RedisKeys(opts.keys.prefix));
  const held = await other.hold(lockName.user(new ObjectId(u.id)));
  assert.ok(held);
  try {
    let failure: unknown = null;
    for (let i = 0; i < 50 && !failure; i++) {
      try {
        if ((await sweepSlice(ctx, 0)).done) break;
      } catch (err) {
        failure = err;
      }
    }
    assert.ok(failure instanceof SweepSliceError, String(failure));
    assert.equal(failure.phase, 'users');
    assert.deepEqual(failure.about, { user: u.id });
    assert.match(String(failure.cause), /timed out waiting for lock/);
  } finally {
    await held.release();
    await other.close();
    await ctx.locks.close();
    await notify.close();
  }
  // once the lock is free the next slice fixes it
  await t.store.sweep();
  assert.equal((await t.store.users.get(u.id))!.storageUsed, 0);
});
