// The mailbox index (docs/ARCHITECTURE.md §3): built from the messages when a mailbox has none,
// read back from its checkpoint without reading a message, kept exactly right across two stores
// on one back end, and repaired when a journal entry is lost.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Binary, MongoClient, ObjectId, type CommandStartedEvent } from 'mongodb';
import { inflateRawSync } from 'node:zlib';
import { eventually, openStore, type TestStore } from './_store.ts';
import { mail } from './_mail.ts';
import { testEnv, openTestRedis } from '../helpers/backends.ts';
import { createStore, type MailboxView, type Store, type StoreOptions } from '../../server/store/index.ts';
import {
  INDEX_COLLECTION,
  loadCheckpoint,
  saveCheckpoint,
} from '../../server/store/mailbox-index/checkpoint.ts';
import { MailboxState } from '../../server/store/mailbox-index/state.ts';
import { INDEX_RECHECK_MS } from '../../server/store/mailbox-index/cache.ts';
import { FlagSets, type IndexEntry } from '../../server/store/mailbox-index/entry.ts';
import { makeCtx, resolveOptions } from '../../server/store/context.ts';
import { Notifier } from '../../server/notify/index.ts';
import { Journal } from '../../server/store/journal.ts';

let t: TestStore;
before(async () => {
  t = await openStore();
});
after(async () => {
  await t.close();
});

interface Watched {
  store: Store;
  /** Commands sent to the messages collection since the last reset. */
  messageReads: string[];
  logs: string[];
  close(): Promise<void>;
}

/** A second store on the same database and Redis, as another process would have, whose commands
 * on the messages collection are recorded. */
async function watchedStore(options: StoreOptions = {}): Promise<Watched> {
  const client = new MongoClient(testEnv().mongodbUri, { monitorCommands: true });
  await client.connect();
  const redis = openTestRedis();
  const messageReads: string[] = [];
  const logs: string[] = [];
  client.on('commandStarted', (e: CommandStartedEvent) => {
    const target = e.command[e.commandName];
    if (target === 'messages') messageReads.push(e.commandName);
  });
  const store = createStore({
    db: client.db(t.dbName),
    redis,
    options: { bcryptRounds: 4, channelPrefix: t.store.notify.prefix, log: (m) => logs.push(m), ...options },
  });
  return {
    store,
    messageReads,
    logs,
    async close() {
      await store.close();
      redis.disconnect();
      await client.close();
    },
  };
}

function plain(v: MailboxView | null) {
  assert.ok(v);
  return { modseq: v.modseq, entries: v.entries.map((e) => ({ ...e, flags: [...e.flags] })) };
}

test('built from the messages on first open, then read from its checkpoint without reading a message', async () => {
  const u = await t.store.users.create({ username: 'ixbuild', password: 'pw' });
  const inbox = (await t.store.mailboxes.get(u.id, 'INBOX'))!;
  for (let i = 1; i <= 12; i++) {
    await t.store.messages.add({
      user: u.id,
      mailbox: inbox.id,
      raw: mail({ subject: `m${i}`, text: 'x'.repeat(i * 10) }),
      flags: i % 3 === 0 ? ['\\Seen', 'Work'] : [],
    });
  }
  await t.store.messages.updateFlags({
    user: u.id,
    mailbox: inbox.id,
    uids: [[1, 4]],
    action: 'add',
    flags: ['\\Deleted'],
  });
  await t.store.messages.expunge({ user: u.id, mailbox: inbox.id });
  // as a data folder of an older version: no index at all
  await t.db.collection(INDEX_COLLECTION).deleteMany({});

  const b = await watchedStore();
  try {
    const view = plain(await b.store.messages.view(inbox.user, inbox.id));
    assert.deepEqual(
      view.entries.map((e) => e.uid),
      [5, 6, 7, 8, 9, 10, 11, 12],
    );
    assert.deepEqual(view.entries.find((e) => e.uid === 6)!.flags, ['\\Seen', 'Work']);
    assert.ok(b.logs.includes('mailbox index built from its messages'), 'the build is logged');
    // the checkpoint is written in the background after a build
    await eventually(async () => (await t.db.collection(INDEX_COLLECTION).countDocuments({})) >= 2);
  } finally {
    await b.close();
  }

  const c = await watchedStore();
  try {
    const view = plain(await c.store.messages.view(inbox.user, inbox.id));
    assert.deepEqual(view, plain(await t.store.messages.view(inbox.user, inbox.id)));
    const listed = await c.store.messages.listMailbox(inbox.user, inbox.id);
    assert.deepEqual(listed, { uids: [5, 6, 7, 8, 9, 10, 11, 12], firstUnseen: 5 });
    const flags = [];
    for await (const m of c.store.messages.fetch(
      inbox.user,
      inbox.id,
      [[1, 100]],
      ['flags', 'size', 'modseq', 'idate'],
    ))
      flags.push([m.uid, m.flags, m.size! > 0, m.modseq! > 0, m.idate instanceof Date]);
    assert.equal(flags.length, 8);
    assert.deepEqual(flags[1], [6, ['\\Seen', 'Work'], true, true, true]);
    assert.deepEqual(
      await c.store.messages.search(inbox.user, inbox.id, { type: 'flag', flag: 'work', set: true }),
      [6, 9, 12],
    );
    assert.deepEqual(
      await c.store.messages.search(inbox.user, inbox.id, {
        type: 'and',
        keys: [
          { type: 'flag', flag: '\\Seen', set: false },
          { type: 'uid', uids: [[1, 8]] },
        ],
      }),
      [5, 7, 8],
    );
    const st = await c.store.mailboxes.status(u.id, inbox.id);
    assert.equal(st.messages, 8);
    assert.equal(st.unseen, 5);
    assert.deepEqual(c.messageReads, [], 'no command reached the messages collection');
    assert.ok(!c.logs.includes('mailbox index built from its messages'));
  } finally {
    await c.close();
  }
});

test('two stores on one back end: each sees the other’s adds, flag changes and expunges', async () => {
  const u = await t.store.users.create({ username: 'ixtwo', password: 'pw' });
  const inbox = (await t.store.mailboxes.get(u.id, 'INBOX'))!;
  const b = await watchedStore();
  try {
    // both have the mailbox open (warm) before anything changes
    await t.store.messages.view(inbox.user, inbox.id);
    await b.store.messages.view(inbox.user, inbox.id);
    b.messageReads.length = 0;
    const r1 = await t.store.messages.add({ user: u.id, mailbox: inbox.id, raw: mail({ subject: 'a' }) });
    await b.store.messages.add({
      user: u.id,
      mailbox: inbox.id,
      raw: mail({ subject: 'b' }),
      flags: ['$Label1'],
    });
    await t.store.messages.updateFlags({
      user: u.id,
      mailbox: inbox.id,
      uids: [2],
      action: 'add',
      flags: ['\\Seen'],
    });
    await b.store.messages.updateFlags({
      user: u.id,
      mailbox: inbox.id,
      uids: [1],
      action: 'add',
      flags: ['\\Deleted'],
    });
    b.messageReads.length = 0; // its own writes list what they change; following others reads nothing
    await t.store.messages.expunge({ user: u.id, mailbox: inbox.id });
    const want = plain(await t.store.messages.view(inbox.user, inbox.id));
    assert.deepEqual(
      want.entries.map((e) => [e.uid, e.flags]),
      [[2, ['$Label1', '\\Seen']]],
    );
    assert.equal(want.modseq, 5);
    // the beacons carried the changes: the other store has them without asking anyone
    await eventually(async () => (await b.store.messages.view(inbox.user, inbox.id, 5))!.modseq === 5);
    assert.deepEqual(plain(await b.store.messages.view(inbox.user, inbox.id)), want);
    assert.deepEqual((await b.store.messages.view(inbox.user, inbox.id))!.expungedSince(0), [1]);
    assert.deepEqual((await b.store.messages.view(inbox.user, inbox.id))!.expungedSince(5), []);
    assert.notEqual(r1.id, '');
    assert.deepEqual(b.messageReads, [], 'no message was read to follow the changes');
  } finally {
    await b.close();
  }
});

test('a journal entry that never got written is repaired from the messages', async () => {
  const u = await t.store.users.create({ username: 'ixlost', password: 'pw' });
  const inbox = (await t.store.mailboxes.get(u.id, 'INBOX'))!;
  await t.store.messages.add({ user: u.id, mailbox: inbox.id, raw: mail({ subject: 'first' }) });
  assert.equal((await t.store.messages.view(inbox.user, inbox.id))!.exists, 1);
  // another process (its own channel, so no beacon reaches this one) adds a message and its
  // journal entry is lost, as when a writer dies between its commit and its journal write
  const b = await watchedStore({ channelPrefix: `${t.store.notify.prefix}x` });
  try {
    await b.store.messages.add({ user: u.id, mailbox: inbox.id, raw: mail({ subject: 'second' }) });
  } finally {
    await b.close();
  }
  await t.db.collection('journal').deleteMany({ mailbox: new ObjectId(inbox.id), modseq: 2 });
  const c = await watchedStore();
  try {
    assert.deepEqual(await c.store.messages.listUids(inbox.user, inbox.id), [1, 2]);
    assert.ok(
      c.logs.includes('mailbox index repaired from its messages') ||
        c.logs.includes('mailbox index built from its messages'),
    );
  } finally {
    await c.close();
  }
  // the warm index of the first store, which heard of no change (Redis holds the MODSEQ it
  // announced itself), reads the mailbox document within INDEX_RECHECK_MS, notices it is behind
  // and repairs itself
  await eventually(
    async () => (await t.store.messages.listUids(inbox.user, inbox.id)).length === 2,
    INDEX_RECHECK_MS + 3000,
  );
  // and keeps what it repaired: the rebuilt index, not the one it first loaded, answers from now on
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(await t.store.messages.listUids(inbox.user, inbox.id), [1, 2]);
    assert.equal((await t.store.messages.view(inbox.user, inbox.id, 1))!.modseq, 2);
  }
});

test('a checkpoint rewrites only the chunks that changed and loads back exactly', async () => {
  const notify = new Notifier({ journal: new Journal(t.db), redis: t.redis, prefix: t.store.notify.prefix });
  const ctx = makeCtx(t.db, t.redis, notify, resolveOptions({ channelPrefix: t.store.notify.prefix }));
  const mailbox = new ObjectId();
  const sets = new FlagSets();
  const entry = (uid: number, modseq: number, flags: string[]): IndexEntry => ({
    uid,
    modseq,
    flags: sets.intern(flags),
    size: 100 + uid,
    idate: 1_700_000_000_000 + uid,
    hdate: 1_600_000_000_000 + uid,
    id: new ObjectId().toHexString(),
  });
  // UIDs in two chunks (4 096 UIDs each)
  const entries = [entry(1, 1, []), entry(2, 2, ['\\Seen']), entry(5000, 3, ['kw']), entry(5001, 4, [])];
  const state = new MailboxState(mailbox.toHexString(), 'u', sets, { entries, modseq: 4 });
  assert.equal(await saveCheckpoint(ctx, mailbox, state), true);
  const coll = t.db.collection<{ _id: string; chunks?: string[] }>(INDEX_COLLECTION);
  const first = (await coll.findOne({ _id: mailbox.toHexString() }))!.chunks!;
  assert.equal(first.length, 2);

  // a flag change in the second chunk, an expunge in the first
  state.apply({
    user: 'u',
    mailbox: state.mailbox,
    modseq: 5,
    command: 'FETCH',
    uid: 5000,
    flags: ['\\Flagged'],
  });
  state.apply({ user: 'u', mailbox: state.mailbox, modseq: 6, command: 'EXPUNGE', uid: 2 });
  assert.equal(await saveCheckpoint(ctx, mailbox, state), true);
  const second = (await coll.findOne({ _id: mailbox.toHexString() }))!.chunks!;
  assert.notEqual(second[0], first[0]);
  assert.notEqual(second[1], first[1]);
  // only the second chunk changes now; the first is kept as it is
  state.apply({
    user: 'u',
    mailbox: state.mailbox,
    modseq: 7,
    command: 'FETCH',
    uid: 5001,
    flags: ['\\Seen'],
  });
  assert.equal(await saveCheckpoint(ctx, mailbox, state), true);
  const third = (await coll.findOne({ _id: mailbox.toHexString() }))!.chunks!;
  assert.equal(third[0], second[0]);
  assert.notEqual(third[1], second[1]);
  // replaced chunks are gone; an older state is never written over a newer checkpoint
  assert.equal(await coll.countDocuments({ mailbox }), 3);
  const stale = new MailboxState(mailbox.toHexString(), 'u', sets, { entries: [], modseq: 6 });
  assert.equal(await saveCheckpoint(ctx, mailbox, stale), false);

  const loaded = await loadCheckpoint(ctx, mailbox, 'u', new FlagSets());
  assert.ok(loaded);
  assert.equal(loaded.modseq, 7);
  assert.deepEqual(
    loaded.entries.map((e) => ({ ...e, flags: [...e.flags] })),
    state.entries.map((e) => ({ ...e, flags: [...e.flags] })),
  );
  assert.deepEqual(loaded.expungedSince(5), [2]);
  assert.deepEqual(loaded.expungedSince(6), []);
});

test('a checkpoint written while changes keep arriving holds exactly the MODSEQ it claims', async () => {
  const notify = new Notifier({ journal: new Journal(t.db), redis: t.redis, prefix: t.store.notify.prefix });
  const ctx = makeCtx(t.db, t.redis, notify, resolveOptions({ channelPrefix: t.store.notify.prefix }));
  const mailbox = new ObjectId();
  const sets = new FlagSets();
  const state = new MailboxState(mailbox.toHexString(), 'u', sets, { entries: [], modseq: 0 });
  const add = (uid: number) =>
    state.apply({
      user: 'u',
      mailbox: state.mailbox,
      modseq: uid,
      command: 'EXISTS',
      uid,
      msg: new ObjectId().toHexString(),
      size: 10,
      idate: 1_700_000_000_000,
      flags: [],
    });
  add(1);
  // entries keep arriving while the checkpoint awaits its reads and writes
  let uid = 1;
  const feeding = setInterval(() => add(++uid), 0);
  try {
    assert.equal(await saveCheckpoint(ctx, mailbox, state), true);
  } finally {
    clearInterval(feeding);
  }
  assert.ok(uid > 1, 'changes arrived during the save');
  const loaded = await loadCheckpoint(ctx, mailbox, 'u', new FlagSets());
  assert.ok(loaded);
  assert.equal(loaded.entries.length, loaded.modseq, 'one entry per MODSEQ up to the one claimed');
  assert.deepEqual(
    loaded.entries.map((e) => e.uid),
    Array.from({ length: loaded.modseq }, (_, i) => i + 1),
  );
});

test('a store that only writes keeps the checkpoint current for the next reader', async () => {
  const u = await t.store.users.create({ username: 'ixwriter', password: 'pw' });
  const inbox = (await t.store.mailboxes.get(u.id, 'INBOX'))!;
  const writer = await watchedStore({ indexCheckpointEvery: 5 });
  const header = () =>
    t.db.collection<{ _id: string; modseq: number }>(INDEX_COLLECTION).findOne({ _id: inbox.id });
  try {
    for (let i = 1; i <= 24; i++) {
      await writer.store.messages.add({ user: u.id, mailbox: inbox.id, raw: mail({ subject: `w${i}` }) });
    }
    // checkpoints follow the writes, not only the first of them
    await eventually(async () => ((await header())?.modseq ?? 0) >= 20, 15_000);
  } finally {
    await writer.close();
  }
  // and a clean close leaves a checkpoint of everything: the next reader replays no journal
  const status = await t.store.mailboxes.status(u.id, inbox.id);
  assert.equal((await header())?.modseq, status.highestModseq);
});

test('a store that only writes and whose index missed entries reads them from the journal and checkpoints on', async () => {
  const u = await t.store.users.create({ username: 'ixbehind', password: 'pw' });
  const inbox = (await t.store.mailboxes.get(u.id, 'INBOX'))!;
  const writer = await watchedStore({ indexCheckpointEvery: 5 });
  // a store whose beacons the writer does not hear (another prefix): its changes reach the
  // writer's index only through the journal, as changes journaled while an index loads do
  const unheard = await watchedStore({ channelPrefix: `${t.store.notify.prefix}u` });
  const header = () =>
    t.db.collection<{ _id: string; modseq: number }>(INDEX_COLLECTION).findOne({ _id: inbox.id });
  try {
    await writer.store.messages.add({ user: u.id, mailbox: inbox.id, raw: mail({ subject: 'w0' }) });
    // its index loaded, as after its first delivery
    await writer.store.messages.view(u.id, inbox.id, 0);
    for (let i = 1; i <= 3; i++) {
      await unheard.store.messages.add({ user: u.id, mailbox: inbox.id, raw: mail({ subject: `u${i}` }) });
    }
    // the writer's next changes find its index three entries behind; it never reads to catch up
    for (let i = 1; i <= 6; i++) {
      await writer.store.messages.add({ user: u.id, mailbox: inbox.id, raw: mail({ subject: `w${i}` }) });
    }
    await eventually(async () => ((await header())?.modseq ?? 0) >= 10);
  } finally {
    await unheard.close();
    await writer.close();
  }
  const v = (await t.store.messages.view(u.id, inbox.id))!;
  assert.equal(v.entries.length, 10);
});

test('a checkpoint of many chunks loads with one query on the mailbox; plain chunks of old still load', async () => {
  const notify = new Notifier({ journal: new Journal(t.db), redis: t.redis, prefix: t.store.notify.prefix });
  const ctx = makeCtx(t.db, t.redis, notify, resolveOptions({ channelPrefix: t.store.notify.prefix }));
  const mailbox = new ObjectId();
  const sets = new FlagSets();
  const entries: IndexEntry[] = [1, 5000, 9000, 13000, 13001].map((uid, i) => ({
    uid,
    modseq: i + 1,
    flags: sets.intern(i % 2 ? ['\\Seen'] : []),
    size: 100 + uid,
    idate: 1_700_000_000_000 + uid,
    hdate: 1_600_000_000_000 + uid,
    id: new ObjectId().toHexString(),
  }));
  const state = new MailboxState(mailbox.toHexString(), 'u', sets, { entries, modseq: 5 });
  assert.equal(await saveCheckpoint(ctx, mailbox, state), true);
  const coll = t.db.collection<{
    _id: string;
    mailbox?: ObjectId;
    chunks?: string[];
    data?: Binary;
    deflated?: boolean;
  }>(INDEX_COLLECTION);
  const chunks = (await coll.findOne({ _id: mailbox.toHexString() }))!.chunks!;
  assert.equal(chunks.length, 4);
  // a chunk a crash left unnamed is skipped; one stored plain, as earlier versions did, still reads
  await coll.insertOne({ _id: `${mailbox.toHexString()}:0:1`, mailbox, data: new Binary(Buffer.alloc(48)) });
  const first = (await coll.findOne({ _id: chunks[0]! }))!;
  assert.equal(first.deflated, true);
  await coll.updateOne(
    { _id: chunks[0]! },
    { $set: { data: new Binary(inflateRawSync(first.data!.buffer)) }, $unset: { deflated: '' } },
  );

  const finds: unknown[] = [];
  const client = new MongoClient(testEnv().mongodbUri, { monitorCommands: true });
  await client.connect();
  client.on('commandStarted', (e: CommandStartedEvent) => {
    if (e.commandName === 'find') finds.push(e.command.filter);
  });
  try {
    const watched = makeCtx(
      client.db(t.dbName),
      t.redis,
      notify,
      resolveOptions({ channelPrefix: t.store.notify.prefix }),
    );
    const loaded = await loadCheckpoint(watched, mailbox, 'u', new FlagSets());
    assert.ok(loaded);
    assert.deepEqual(
      loaded.entries.map((e) => ({ ...e, flags: [...e.flags] })),
      entries.map((e) => ({ ...e, flags: [...e.flags] })),
    );
    assert.equal(finds.length, 2, `the header, then one query for the chunks: ${JSON.stringify(finds)}`);
  } finally {
    await client.close();
  }
  // a named chunk gone: damaged, so it is rebuilt from the messages
  await coll.deleteOne({ _id: chunks[2]! });
  assert.equal(await loadCheckpoint(ctx, mailbox, 'u', new FlagSets()), null);
});
