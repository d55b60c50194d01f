// Page packs (server/store/packs.ts): a long read packs the closed pages it reads; the next long
// read and SEARCH take those pages from the packs, byte for byte and with the same answers; an
// expunge drops the pack of its page, a mailbox deletion all of its packs; an open page or a page
// whose messages changed while they were read is never packed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MongoClient, ObjectId } from 'mongodb';
import { openSecondStore, openStore, readBack, type TestStore } from './_store.ts';
import { bytes, mail } from './_mail.ts';
import { openTestRedis, testEnv } from '../helpers/backends.ts';
import { PAGE_SHIFT } from '../../server/store/open-message.ts';
import { makeCtx, resolveOptions } from '../../server/store/context.ts';
import { Notifier } from '../../server/notify/index.ts';
import { Journal } from '../../server/store/journal.ts';
import { packItemOf, writePacks, type PackItem } from '../../server/store/packs.ts';

let t: TestStore;
before(async () => {
  // packs are made from reads of message documents; the content cache would answer this process's
  // reads of what it stored itself (content-cache.ts)
  t = await openStore({ contentCacheBytes: 0 });
});
after(async () => {
  await t.close();
});

const ALL: Array<[number, number]> = [[1, 4294967295]];

async function packedUids(mailbox: string): Promise<number[]> {
  const docs = await t.db
    .collection('packs')
    .find({ mailbox: new ObjectId(mailbox) })
    .toArray();
  return docs.flatMap((d) => d.uids as number[]).sort((a, b) => a - b);
}

async function waitForPacks(mailbox: string, count: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await t.db.collection('packs').countDocuments({ mailbox: new ObjectId(mailbox) })) >= count) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${count} packs were not written`);
}

/** A store over a client of its own, as another process would have (with its content cache), and
 * the finds it sends. */
async function watchedStore() {
  const finds: Array<{ coll: string; filter: Record<string, unknown> }> = [];
  const second = await openSecondStore(t, (e) => {
    if (e.commandName === 'find') finds.push({ coll: e.command.find, filter: e.command.filter });
  });
  return { ...second, finds };
}

test('a long read packs closed pages; later reads and SEARCH use them; expunge and delete drop them', async () => {
  const u = await t.store.users.create({ username: 'packs', password: 'pw' });
  const box = await t.store.mailboxes.create(u.id, 'Packed');
  const raws = new Map<number, Buffer>();
  const count = (3 << PAGE_SHIFT) + 5; // UIDs 1..101: pages 0–2 closed, page 3 open
  const big = 40; // inline text too large for a pack
  const withFile = 50; // an attachment body kept in GridFS
  for (let i = 1; i <= count; i++) {
    const raw = mail({
      subject: `pack ${i}`,
      messageId: `<p${i}@example.com>`,
      text: i === big ? 'wide line of text\r\n'.repeat(9000) : `body ${i} ${i % 3 === 0 ? 'needle' : 'hay'}`,
      ...(i === withFile ? { attachment: bytes(100 * 1024, 7), filename: 'f.bin' } : {}),
    });
    raws.set((await t.store.messages.add({ user: u.id, mailbox: box.id, raw })).uid, raw);
  }
  const expected = [...raws.keys()].filter((uid) => uid % 3 === 0);
  assert.deepEqual(await t.store.messages.search(u.id, box.id, { type: 'text', value: 'NEEDLE' }), expected);

  await readBack(t.store, u.id, box.id, raws);
  await waitForPacks(box.id, 3);
  const packed = await packedUids(box.id);
  const closed = [...raws.keys()].filter((uid) => uid < 3 << PAGE_SHIFT && uid !== big);
  assert.deepEqual(packed, closed, 'closed pages packed, the large message left out');

  // a second process reads them: packed pages come from the packs, the open page and the large
  // message from message documents
  const { store, finds, close } = await watchedStore();
  try {
    await store.messages.view(u.id, box.id);
    finds.length = 0;
    await readBack(store, u.id, box.id, raws);
    const messageFinds = finds.filter((f) => f.coll === 'messages');
    assert.ok(
      messageFinds.length <= 3,
      `message reads besides the packs: ${JSON.stringify(messageFinds.map((f) => f.filter))}`,
    );
    assert.ok(
      finds.some((f) => f.coll === 'packs'),
      'the packs were read',
    );

    finds.length = 0;
    assert.deepEqual(await store.messages.search(u.id, box.id, { type: 'text', value: 'needle' }), expected);
    assert.deepEqual(
      await store.messages.search(u.id, box.id, {
        type: 'and',
        keys: [
          { type: 'subject', value: 'pack 1' },
          { type: 'flag', flag: '\\Seen', set: false },
        ],
      }),
      [1, ...Array.from({ length: 10 }, (_, i) => 10 + i), 100, 101],
    );
    const scanned = finds.filter(
      (f) => f.coll === 'messages' && !('page' in f.filter) && !('uid' in f.filter),
    );
    assert.equal(scanned.length, 0, `no scan of the message documents: ${JSON.stringify(scanned)}`);

    // expunge one message of page 1: answers stay right at once, and its pack goes with the reap
    const gone = 33;
    await store.messages.updateFlags({
      user: u.id,
      mailbox: box.id,
      uids: [[gone, gone]],
      flags: ['\\Deleted'],
      action: 'add',
    });
    assert.deepEqual((await store.messages.expunge({ user: u.id, mailbox: box.id })).uids, [gone]);
    raws.delete(gone);
    const answersStayRight = async () => {
      assert.deepEqual(
        await store.messages.search(u.id, box.id, { type: 'text', value: 'needle' }),
        expected.filter((x) => x !== gone),
      );
      await readBack(store, u.id, box.id, raws);
      assert.equal(await store.messages.pager(u.id, box.id, ALL).open(gone), null);
    };
    assert.ok((await packedUids(box.id)).includes(gone), 'its pack waits for the reap');
    await answersStayRight();
    assert.equal(await store.reap(), 1);
    assert.ok(!(await packedUids(box.id)).includes(gone), 'the expunged message is in no pack');
    assert.equal((await packedUids(box.id)).length, closed.length - 31);
    await answersStayRight();
  } finally {
    await close();
  }

  await t.store.mailboxes.delete(u.id, 'Packed');
  assert.equal(await t.db.collection('packs').countDocuments({ mailbox: new ObjectId(box.id) }), 0);
});

test('an open page, or a page whose messages changed while read, is not packed', async () => {
  const u = await t.store.users.create({ username: 'nopack', password: 'pw' });
  const box = await t.store.mailboxes.create(u.id, 'Open');
  const m = new ObjectId(box.id);
  for (let i = 1; i <= (1 << PAGE_SHIFT) + 2; i++)
    await t.store.messages.add({ user: u.id, mailbox: box.id, raw: mail({ subject: `open ${i}` }) });
  const redis = openTestRedis();
  const client = new MongoClient(testEnv().mongodbUri);
  await client.connect();
  const db = client.db(t.dbName);
  const notify = new Notifier({ journal: new Journal(db), redis, prefix: t.store.notify.prefix });
  const ctx = makeCtx(db, redis, notify, resolveOptions({ channelPrefix: t.store.notify.prefix }));
  try {
    const read = async (page: number) => {
      const docs = await db.collection('messages').find({ mailbox: m, page }).toArray();
      return new Map(docs.map((d) => [d.uid as number, packItemOf(d as never) as PackItem | null]));
    };
    const page0 = await read(0);
    const page1 = await read(1);
    assert.equal(await writePacks(ctx, m, new Map([[1, page1]])), 0, 'page 1 is open');
    const short = new Map(page0);
    short.delete(5);
    assert.equal(await writePacks(ctx, m, new Map([[0, short]])), 0, 'a read missing a message');
    // a message expunged after the page was read
    await t.store.messages.expunge({ user: u.id, mailbox: box.id, uids: [[7, 7]], requireDeleted: false });
    assert.equal(await writePacks(ctx, m, new Map([[0, page0]])), 0, 'a read holding an expunged message');
    page0.delete(7);
    assert.equal(await writePacks(ctx, m, new Map([[0, page0]])), 1, 'the page as it is now');
    assert.equal(await writePacks(ctx, m, new Map([[0, page0]])), 0, 'packed once');
  } finally {
    await ctx.index.flush();
    await notify.close();
    redis.disconnect();
    await client.close();
  }
});

test('the write that takes the last UID of a page packs it from the content cache: delivery and COPY', async () => {
  // a store with its content cache (the one above has none), watched: no message is read
  const { store, finds, close } = await watchedStore();
  try {
    const u = await store.users.create({ username: 'packwrite', password: 'pw' });
    const box = await store.mailboxes.create(u.id, 'Delivered');
    const count = (2 << PAGE_SHIFT) + 3; // pages 0 and 1 closed, page 2 open
    for (let i = 1; i <= count; i++)
      await store.messages.add({ user: u.id, mailbox: box.id, raw: mail({ subject: `d ${i}` }) });
    await waitForPacks(box.id, 2);
    assert.deepEqual(
      await packedUids(box.id),
      Array.from({ length: (2 << PAGE_SHIFT) - 1 }, (_, i) => i + 1),
    );

    const copies = await store.mailboxes.create(u.id, 'Copies');
    const res = await store.messages.copy({
      user: u.id,
      mailbox: box.id,
      uids: [[1, 40]],
      target: copies.id,
    });
    assert.equal(res.map.length, 40);
    await waitForPacks(copies.id, 1);
    assert.deepEqual(
      await packedUids(copies.id),
      Array.from({ length: (1 << PAGE_SHIFT) - 1 }, (_, i) => i + 1),
    );
    // COPY reads its sources by _id; packing read no page of messages
    assert.deepEqual(
      finds.filter((f) => f.coll === 'messages' && !('_id' in f.filter)),
      [],
      'packed without a page query',
    );
    // what was packed reads back byte for byte through a store without a cache
    const raws = new Map(
      Array.from({ length: count }, (_, i) => [i + 1, mail({ subject: `d ${i + 1}` })] as [number, Buffer]),
    );
    await readBack(t.store, u.id, box.id, raws);
  } finally {
    await close();
  }
});

test('a SEARCH over a mailbox with no packs packs its closed pages, and the next SEARCH reads them', async () => {
  const u = await t.store.users.create({ username: 'packsearch', password: 'pw' });
  const box = await t.store.mailboxes.create(u.id, 'Searched');
  const count = (6 << PAGE_SHIFT) + 3; // pages 0–5 closed, page 6 open
  for (let i = 1; i <= count; i++) {
    const raw = mail({ subject: `s ${i}`, text: `body ${i} ${i % 7 === 0 ? 'needle' : 'hay'}` });
    await t.store.messages.add({ user: u.id, mailbox: box.id, raw });
  }
  // stored through a store without a content cache: no page was packed by its delivery
  assert.deepEqual(await packedUids(box.id), []);
  const expected = Array.from({ length: count }, (_, i) => i + 1).filter((uid) => uid % 7 === 0);
  assert.deepEqual(await t.store.messages.search(u.id, box.id, { type: 'text', value: 'needle' }), expected);
  await waitForPacks(box.id, 6);
  assert.deepEqual(
    await packedUids(box.id),
    Array.from({ length: (6 << PAGE_SHIFT) - 1 }, (_, i) => i + 1), // page 0 starts at UID 1
    'the closed pages are packed',
  );

  const { store, finds, close } = await watchedStore();
  try {
    await store.messages.view(u.id, box.id);
    finds.length = 0;
    assert.deepEqual(await store.messages.search(u.id, box.id, { type: 'text', value: 'needle' }), expected);
    const messageFinds = finds.filter((f) => f.coll === 'messages');
    assert.deepEqual(
      messageFinds.map((f) => f.filter.page),
      [6],
      `only the open page is read from message documents: ${JSON.stringify(messageFinds)}`,
    );
  } finally {
    await close();
  }
});
