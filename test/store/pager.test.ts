// Reading a mailbox's messages a page at a time (store pager): exact bytes in UID order, one query
// per page of messages rather than one read per message, and messages stored before pages existed
// or moved in from another mailbox still found.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { buffer } from 'node:stream/consumers';
import { MongoClient, ObjectId, type CommandStartedEvent } from 'mongodb';
import { openStore, type TestStore } from './_store.ts';
import { mail } from './_mail.ts';
import { openTestRedis, testEnv } from '../helpers/backends.ts';
import { createStore } from '../../server/store/index.ts';
import { PAGE_SHIFT, PagedReader } from '../../server/store/open-message.ts';
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

test('a range is read a page per query, byte for byte, old and moved messages included', async () => {
  const u = await t.store.users.create({ username: 'pager', password: 'pw' });
  const inbox = (await t.store.mailboxes.get(u.id, 'INBOX'))!;
  const other = await t.store.mailboxes.create(u.id, 'Other');
  const perPage = 1 << PAGE_SHIFT;
  const count = perPage + 5; // two pages
  const raws = new Map<number, Buffer>();
  for (let i = 1; i <= count; i++) {
    const raw = mail({ subject: `page ${i}`, text: `body ${i} `.repeat(i) });
    const r = await t.store.messages.add({ user: u.id, mailbox: inbox.id, raw });
    raws.set(r.uid, raw);
  }
  // one message as stored before pages existed, one moved in from another mailbox
  await t.db
    .collection('messages')
    .updateOne({ mailbox: new ObjectId(inbox.id), uid: 3 }, { $unset: { page: 1 } });
  const movedRaw = mail({ subject: 'moved in' });
  await t.store.messages.add({ user: u.id, mailbox: other.id, raw: movedRaw });
  const mv = await t.store.messages.move({ user: u.id, mailbox: other.id, uids: [1], target: inbox.id });
  raws.set(mv.map[0]!.target, movedRaw);

  const client = new MongoClient(testEnv().mongodbUri, { monitorCommands: true });
  await client.connect();
  const redis = openTestRedis();
  const finds: Array<Record<string, unknown>> = [];
  client.on('commandStarted', (e: CommandStartedEvent) => {
    if (e.commandName === 'find' && e.command.find === 'messages') finds.push(e.command.filter);
  });
  const store = createStore({
    db: client.db(t.dbName),
    redis,
    options: { channelPrefix: t.store.notify.prefix },
  });
  try {
    const uids = await store.messages.listUids(inbox.user, inbox.id);
    assert.deepEqual(uids, [...raws.keys()]);
    finds.length = 0;
    const pager = store.messages.pager(inbox.user, inbox.id);
    for (const uid of uids) {
      const m = await pager.open(uid);
      assert.ok(m, `uid ${uid} opens`);
      assert.deepEqual(await buffer(m.raw().stream), raws.get(uid), `uid ${uid} byte for byte`);
    }
    assert.equal(await pager.open(9999), null);
    const pageQueries = finds.filter((f) => 'page' in f);
    const single = finds.filter((f) => !('page' in f));
    // two pages of the first 37 UIDs and the moved message's page; the old message alone
    assert.ok(pageQueries.length <= 3, `page queries: ${pageQueries.length}`);
    assert.ok(single.length <= 2, `single reads: ${single.length}`);
  } finally {
    await store.close();
    redis.disconnect();
    await client.close();
  }
});

test('a reader told it will read most of a mailbox reads it in passes, whatever order it asks in', async () => {
  const u = await t.store.users.create({ username: 'passes', password: 'pw' });
  const inbox = (await t.store.mailboxes.get(u.id, 'INBOX'))!;
  const count = 6 << PAGE_SHIFT; // six pages
  const raws = new Map<number, Buffer>();
  for (let i = 1; i <= count; i++) {
    const raw = mail({ subject: `pass ${i}`, text: `line ${i}\n`.repeat(20 + (i % 7)) });
    raws.set((await t.store.messages.add({ user: u.id, mailbox: inbox.id, raw })).uid, raw);
  }
  const totalBytes = [...raws.values()].reduce((n, r) => n + r.length, 0);
  // as a mailbox stored before page packs: the packs its delivery wrote (pages 0–5) are removed,
  // so the reads below go to the message documents
  const packs = t.db.collection('packs');
  for (let i = 0; i < 100 && (await packs.countDocuments({ mailbox: new ObjectId(inbox.id) })) < 6; i++)
    await new Promise((r) => setTimeout(r, 100));
  await packs.deleteMany({ mailbox: new ObjectId(inbox.id) });

  const client = new MongoClient(testEnv().mongodbUri, { monitorCommands: true });
  await client.connect();
  const redis = openTestRedis();
  const finds: Array<Record<string, unknown>> = [];
  client.on('commandStarted', (e: CommandStartedEvent) => {
    if (e.commandName === 'find' && e.command.find === 'messages') finds.push(e.command.filter);
  });
  const notify = new Notifier({
    journal: new Journal(client.db(t.dbName)),
    redis,
    prefix: t.store.notify.prefix,
  });
  const ctx = makeCtx(
    client.db(t.dbName),
    redis,
    notify,
    // what is measured is how the reader queries the messages: no content cache answers for them
    resolveOptions({ channelPrefix: t.store.notify.prefix, contentCacheBytes: 0 }),
  );
  try {
    await ctx.index.current(new ObjectId(inbox.id));
    const uids = [...raws.keys()];
    // the reader's owner check, as the store would make it for this user
    const owner = () => Promise.resolve(true);
    const readAll = async (reader: PagedReader, order: number[]) => {
      for (const uid of order) {
        const m = await reader.open(uid);
        assert.ok(m, `uid ${uid} opens`);
        assert.deepEqual(await buffer(m.raw().stream), raws.get(uid), `uid ${uid} byte for byte`);
      }
    };

    // in order, everything fits one pass: two page reads before it switches, then one pass
    finds.length = 0;
    await readAll(new PagedReader(ctx, inbox.id, owner, [[1, uids.at(-1)!]], false), uids);
    assert.ok(finds.filter((f) => 'page' in f).length <= 2, JSON.stringify(finds));
    assert.equal(finds.filter((f) => !('page' in f)).length, 1, JSON.stringify(finds));

    // shuffled, with passes that hold only a third of the mailbox each: still every byte right,
    // and a handful of passes rather than a read per message or per page
    const shuffled = [...uids];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = (i * 7919) % (i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    finds.length = 0;
    await readAll(new PagedReader(ctx, inbox.id, owner, uids, false, Math.ceil(totalBytes / 3)), shuffled);
    assert.ok(finds.length < count / 4, `queries: ${finds.length}`);

    // a message expunged after the reader was made is reported gone, the rest still read
    const reader = new PagedReader(ctx, inbox.id, owner, uids, false);
    await t.store.messages.expunge({ user: u.id, mailbox: inbox.id, uids: [100], requireDeleted: false });
    for (const uid of uids) {
      const m = await reader.open(uid);
      if (uid === 100) assert.equal(m, null);
      else assert.ok(m, `uid ${uid} opens`);
    }
  } finally {
    await notify.close();
    redis.disconnect();
    await client.close();
  }
});
