// Commands the store sends to the messages collection for EXPUNGE and its reap, MOVE, COPY and a
// new mailbox.
// On FerretDB every command on the messages is a pass over them (docs/ARCHITECTURE.md §10), so
// each one a change can do without is counted here, on a store whose client records its commands.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MongoClient, ObjectId, type CommandStartedEvent, type Db } from 'mongodb';
import type { Redis } from 'ioredis';
import { mail, bytes } from './_mail.ts';
import { testEnv, openTestRedis, uniqueName } from '../helpers/backends.ts';
import { createStore, isStoreError, type Store } from '../../server/store/index.ts';
import { INDEX_COLLECTION } from '../../server/store/mailbox-index/checkpoint.ts';

let client: MongoClient;
let db: Db;
let redis: Redis;
let store: Store;
let prefix: string;
/** Command names sent to the messages collection since the last reset. */
let sent: string[] = [];
/** Filters of the finds sent to the mailboxes collection since the last reset. */
let boxFinds: Array<Record<string, unknown>> = [];

before(async () => {
  client = new MongoClient(testEnv().mongodbUri, { monitorCommands: true });
  await client.connect();
  db = client.db(uniqueName('nbt'));
  redis = openTestRedis();
  prefix = uniqueName('nb');
  client.on('commandStarted', (e: CommandStartedEvent) => {
    if (e.command[e.commandName] === 'messages') sent.push(e.commandName);
    if (e.commandName === 'find' && e.command.find === 'mailboxes') boxFinds.push(e.command.filter);
  });
  store = createStore({
    db,
    redis,
    options: { bcryptRounds: 4, channelPrefix: prefix, externalizeAbove: 1024 },
  });
  await store.ensureIndexes();
});
after(async () => {
  await store.close();
  redis.disconnect();
  await db.dropDatabase().catch(() => undefined);
  await client.close();
});

let n = 0;
async function newUser(): Promise<{ user: string; inbox: string }> {
  const u = await store.users.create({ username: `rt${++n}`, password: 'pw' });
  const inbox = (await store.mailboxes.get(u.id, 'INBOX'))!;
  return { user: u.id, inbox: inbox.id };
}

async function add(user: string, mailbox: string, i: number, attachment?: number): Promise<number> {
  const raw = mail({
    subject: `m${i}`,
    text: `body ${i}`,
    ...(attachment !== undefined ? { attachment: bytes(4096, attachment), filename: 'a.bin' } : {}),
  });
  return (await store.messages.add({ user, mailbox, raw })).size;
}

/** The attachment reference counts, by the body's SHA-256. */
async function refCounts(): Promise<Record<string, number>> {
  const files = await db.collection('attachments.files').find({}).toArray();
  const meta = files.map((f) => f.metadata as { sha256: string; refs: number });
  return Object.fromEntries(meta.map((m) => [m.sha256, m.refs]));
}

test('EXPUNGE sends nothing to the messages; the reap deletes a page with one command, and storage and attachments are given back once', async () => {
  const { user, inbox } = await newUser();
  const sizes = [
    await add(user, inbox, 1, 1),
    await add(user, inbox, 2, 1),
    await add(user, inbox, 3, 2),
    await add(user, inbox, 4),
    await add(user, inbox, 5),
    await add(user, inbox, 6),
  ];
  await store.messages.updateFlags({
    user,
    mailbox: inbox,
    uids: [[1, 3], 5, 6],
    action: 'add',
    flags: ['\\Deleted'],
  });
  const refsOf = async (uid: number) =>
    (
      (await db.collection('messages').findOne({ mailbox: new ObjectId(inbox), uid }))!
        .attachmentRefs as string[]
    )[0]!;
  const stored = async () =>
    (
      await db
        .collection('messages')
        .find({ mailbox: new ObjectId(inbox) })
        .sort({ uid: 1 })
        .toArray()
    ).map((d) => d.uid as number);
  const shared = await refsOf(1);
  const single = await refsOf(3);
  assert.deepEqual(await refCounts(), { [shared]: 2, [single]: 1 });
  // the view is current: what follows is the expunge alone
  await store.messages.view(user, inbox);
  sent = [];
  assert.deepEqual(await store.messages.expunge({ user, mailbox: inbox, uids: [[2, 6]] }), {
    uids: [2, 3, 5, 6],
  });
  assert.deepEqual(sent, [], 'the expunge sends nothing to the messages');
  // storage at once; the documents and their attachment references with the reap
  let u = (await store.users.get(user))!;
  assert.equal(u.storageUsed, sizes[0]! + sizes[3]!);
  assert.equal(u.messagesUsed, 2);
  assert.deepEqual(await refCounts(), { [shared]: 2, [single]: 1 });
  assert.deepEqual(await stored(), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(await store.messages.listUids(user, inbox), [1, 4]);

  sent = [];
  assert.equal(await store.reap(), 4);
  assert.deepEqual(
    sent,
    ['delete', 'find', 'delete', 'delete'],
    'one delete for the page; those with attachments found, and each deleted on its own',
  );
  assert.deepEqual(await refCounts(), { [shared]: 1, [single]: 0 }, 'the shared body keeps one reference');
  assert.deepEqual(await stored(), [1, 4]);
  assert.equal(await db.collection('removals').countDocuments({}), 0);
  u = (await store.users.get(user))!;
  assert.equal(u.storageUsed, sizes[0]! + sizes[3]!, 'storage is not given back twice');

  // nothing left to reap sends nothing to the messages; the last \Deleted one goes the same way
  sent = [];
  assert.equal(await store.reap(), 0);
  assert.deepEqual(sent, []);
  assert.deepEqual(await store.messages.expunge({ user, mailbox: inbox }), { uids: [1] });
  assert.deepEqual(await store.messages.expunge({ user, mailbox: inbox }), { uids: [] });
  assert.equal(await store.reap(), 1);
  assert.equal((await store.users.get(user))!.storageUsed, sizes[3]!);
  assert.deepEqual(await refCounts(), { [shared]: 0, [single]: 0 });
});

test('MOVE changes each message with one update and reads none', async () => {
  const { user, inbox } = await newUser();
  const target = await store.mailboxes.create(user, 'Moved');
  for (let i = 1; i <= 3; i++) await add(user, inbox, i);
  await store.messages.updateFlags({
    user,
    mailbox: inbox,
    uids: [2],
    action: 'add',
    flags: ['\\Seen', 'Work'],
  });
  const before = (await store.messages.view(user, inbox))!.entries.map((e) => ({
    ...e,
    flags: [...e.flags],
  }));
  await store.messages.view(user, target.id);
  sent = [];
  const res = await store.messages.move({ user, mailbox: inbox, uids: [[1, 2]], target: target.id });
  assert.deepEqual(sent, ['update', 'update'], 'one update per message, no read');
  assert.deepEqual(res.map, [
    { source: 1, target: 1 },
    { source: 2, target: 2 },
  ]);
  // the target's index has what the source's had, from the journal entries the move wrote
  const moved = (await store.messages.view(user, target.id))!.entries;
  assert.deepEqual(
    moved.map((e) => [e.id, [...e.flags], e.size, e.idate, e.hdate]),
    before.slice(0, 2).map((e) => [e.id, e.flags, e.size, e.idate, e.hdate]),
  );
  // and so does a fresh process that builds it from the messages
  await db.collection(INDEX_COLLECTION).deleteMany({});
  const other = createStore({ db, redis, options: { bcryptRounds: 4, channelPrefix: prefix } });
  try {
    const rebuilt = (await other.messages.view(user, target.id))!.entries;
    assert.deepEqual(
      rebuilt.map((e) => ({ ...e, flags: [...e.flags] })),
      moved.map((e) => ({ ...e, flags: [...e.flags] })),
    );
  } finally {
    await other.close();
  }
});

test('COPY reads no source message this process holds, and each other one once', async () => {
  const { user, inbox } = await newUser();
  const target = await store.mailboxes.create(user, 'Copies');
  for (let i = 1; i <= 3; i++) await add(user, inbox, i, i === 2 ? 9 : undefined);
  await store.messages.view(user, inbox);
  await store.messages.view(user, target.id);
  sent = [];
  boxFinds = [];
  const res = await store.messages.copy({ user, mailbox: inbox, uids: [[1, 3]], target: target.id });
  assert.equal(res.map.length, 3);
  assert.equal(res.uidValidity, target.uidValidity);
  assert.deepEqual(sent, ['insert'], 'the sources from the content cache');
  // the target's UID allocation checks it exists and is the user's: it is not read before
  assert.deepEqual(
    boxFinds.filter((f) => 'user' in f),
    [],
  );
  // ... so a target of another user's is refused there, with nothing charged or copied
  const stranger = await newUser();
  const before = (await store.users.get(user))!;
  await assert.rejects(
    store.messages.copy({ user, mailbox: inbox, uids: [[1, 3]], target: stranger.inbox }),
    (e) => isStoreError(e, 'NOMAILBOX'),
  );
  const after = (await store.users.get(user))!;
  assert.deepEqual([after.storageUsed, after.messagesUsed], [before.storageUsed, before.messagesUsed]);
  assert.equal((await store.mailboxes.status(stranger.user, stranger.inbox)).messages, 0);
  // nothing to copy: the target is read for its UIDVALIDITY, and must exist
  const none = await store.messages.copy({ user, mailbox: inbox, uids: [[50, 60]], target: target.id });
  assert.deepEqual(none, { uidValidity: target.uidValidity, map: [] });
  await assert.rejects(
    store.messages.copy({ user, mailbox: inbox, uids: [[50, 60]], target: stranger.inbox }),
    (e) => isStoreError(e, 'NOMAILBOX'),
  );
  // another process, which holds none of them
  const other = createStore({ db, redis, options: { bcryptRounds: 4, channelPrefix: prefix } });
  try {
    await other.messages.view(user, inbox);
    await other.messages.view(user, target.id);
    sent = [];
    const again = await other.messages.copy({ user, mailbox: inbox, uids: [[1, 3]], target: target.id });
    assert.equal(again.map.length, 3);
    assert.deepEqual(sent.sort(), ['find', 'find', 'find', 'insert']);
  } finally {
    await other.close();
  }
});

test('a new mailbox is opened without listing the messages', async () => {
  const { user, inbox } = await newUser();
  await add(user, inbox, 1);
  const created = await store.mailboxes.create(user, 'Fresh');
  // another process opens the new mailbox and INBOX (made with the user) for the first time
  const otherClient = new MongoClient(testEnv().mongodbUri, { monitorCommands: true });
  await otherClient.connect();
  const seen: string[] = [];
  otherClient.on('commandStarted', (e: CommandStartedEvent) => {
    if (e.command[e.commandName] === 'messages') seen.push(JSON.stringify(e.command.filter));
  });
  const other = createStore({
    db: otherClient.db(db.databaseName),
    redis,
    options: { bcryptRounds: 4, channelPrefix: prefix },
  });
  try {
    const v = await other.messages.view(user, created.id);
    assert.ok(v);
    assert.equal(v.entries.length, 0);
    assert.equal(v.modseq, 0);
    assert.equal((await other.messages.view(user, inbox))!.entries.length, 1);
    assert.deepEqual(seen, [], 'no message was read');
    // and it follows what happens next
    await store.messages.copy({ user, mailbox: inbox, uids: [1], target: created.id });
    assert.deepEqual(
      (await other.messages.view(user, created.id))!.entries.map((e) => e.uid),
      [1],
    );
  } finally {
    await other.close();
    await otherClient.close();
  }

  // COPY into a mailbox this process has not opened yet loads its index without a pass either
  const next = await store.mailboxes.create(user, 'Fresh2');
  sent = [];
  await store.messages.copy({ user, mailbox: inbox, uids: [1], target: next.id });
  await store.messages.view(user, next.id);
  assert.deepEqual(sent, ['insert'], 'the copy, nothing else');
});

test('recounting a user’s storage and messages is one pass over the messages', async () => {
  const { user, inbox } = await newUser();
  const sizes = [await add(user, inbox, 1), await add(user, inbox, 2, 3), await add(user, inbox, 3)];
  await db
    .collection('users')
    .updateOne({ _id: new ObjectId(user) }, { $set: { storageUsed: 1, messagesUsed: 9 } });
  sent = [];
  assert.equal(
    await store.users.recountStorage(user),
    sizes.reduce((a, b) => a + b),
  );
  assert.equal(sent.length, 1, `commands on the messages: ${sent.join(', ')}`);
  assert.equal((await store.users.get(user))!.messagesUsed, 3);
});
