// The content cache (server/store/content-cache.ts): a process reads back what it stored, and what
// it read once, without querying the messages again, byte for byte; an expunged message is never
// served from it; it holds no more than its bound, dropping the least recently used first.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { buffer } from 'node:stream/consumers';
import { isFind, openStore, openWatchedStore, readBack, type TestStore } from './_store.ts';
import { bytes, mail } from './_mail.ts';
import { type StoreOptions } from '../../server/store/index.ts';
import { ContentCache } from '../../server/store/content-cache.ts';

let t: TestStore;
before(async () => {
  t = await openStore();
});
after(async () => {
  await t.close();
});

const ALL: Array<[number, number]> = [[1, 4294967295]];

/** A store over its own client, as another process would have, noting the collections it queries. */
async function watchedStore(options: StoreOptions = {}) {
  const second = await openWatchedStore(t, options);
  return {
    ...second,
    /** The collections queried since the last call. */
    finds: () => second.take(isFind).map((c) => c.collection),
    /** Queries on the messages or their packs since the last call. */
    messageReads: () =>
      second.take((c) => isFind(c) && (c.collection === 'messages' || c.collection === 'packs')).length,
  };
}

test('what a process stored it reads back without querying the messages; an expunged message is not served', async () => {
  const w = await watchedStore();
  try {
    const u = await w.store.users.create({ username: 'cc1', password: 'pw' });
    const box = await w.store.mailboxes.create(u.id, 'Cached');
    const raws = new Map<number, Buffer>();
    for (let i = 1; i <= 5; i++) {
      const raw = mail({
        subject: `cached ${i}`,
        text: `body ${i} ${i % 2 ? 'needle' : 'hay'}`,
        // an attachment body large enough for GridFS: the cache holds its reference, not its bytes
        ...(i === 3 ? { attachment: bytes(100 * 1024, 3), filename: 'f.bin' } : {}),
      });
      raws.set((await w.store.messages.add({ user: u.id, mailbox: box.id, raw })).uid, raw);
    }
    await w.store.messages.view(u.id, box.id);
    w.messageReads();
    await readBack(w.store, u.id, box.id, raws);
    const one = await w.store.messages.pager(u.id, box.id, [[4, 4]]).open(4);
    assert.deepEqual(await buffer(one!.raw().stream), raws.get(4));
    assert.equal(w.messageReads(), 0, 'no query on the messages');
    assert.deepEqual(
      await w.store.messages.search(u.id, box.id, { type: 'text', value: 'needle' }),
      [1, 3, 5],
    );
    assert.deepEqual(
      await w.store.messages.search(u.id, box.id, { type: 'subject', value: 'cached 4' }),
      [4],
    );
    assert.equal(w.messageReads(), 0, 'SEARCH queried no message nor pack');

    await w.store.messages.updateFlags({
      user: u.id,
      mailbox: box.id,
      uids: [[2, 2]],
      flags: ['\\Deleted'],
      action: 'add',
    });
    assert.deepEqual((await w.store.messages.expunge({ user: u.id, mailbox: box.id })).uids, [2]);
    assert.equal(await w.store.messages.pager(u.id, box.id, ALL).open(2), null, 'expunged: not served');
    assert.equal(await w.store.messages.open(u.id, box.id, 2), null);
  } finally {
    await w.close();
  }
});

test('another process reads from the database once, then from its own cache; with no cache, always', async () => {
  const u = await t.store.users.create({ username: 'cc2', password: 'pw' });
  const box = await t.store.mailboxes.create(u.id, 'Elsewhere');
  const raws = new Map<number, Buffer>();
  for (let i = 1; i <= 40; i++) {
    const raw = mail({
      subject: `elsewhere ${i}`,
      text: `text ${i} ${i % 10 ? 'hay' : 'needle'}\r\n`.repeat(i),
    });
    raws.set((await t.store.messages.add({ user: u.id, mailbox: box.id, raw })).uid, raw);
  }
  const w = await watchedStore();
  const off = await watchedStore({ contentCacheBytes: 0 });
  try {
    for (const s of [w, off]) {
      await s.store.messages.view(u.id, box.id);
      s.messageReads();
      await readBack(s.store, u.id, box.id, raws);
      assert.ok(s.messageReads() > 0, 'the first read queries the messages');
    }
    await readBack(w.store, u.id, box.id, raws);
    assert.equal(w.messageReads(), 0, 'the second read is answered by the cache');
    // a read of bodies brought no search parts: the first SEARCH reads them, the next does not
    const needle = { type: 'text', value: 'needle' } as const;
    assert.deepEqual(await w.store.messages.search(u.id, box.id, needle), [10, 20, 30, 40]);
    assert.ok(w.messageReads() > 0, 'the first SEARCH reads packs or messages');
    assert.deepEqual(await w.store.messages.search(u.id, box.id, needle), [10, 20, 30, 40]);
    assert.equal(w.messageReads(), 0, 'the second SEARCH is answered by the cache');
    await readBack(off.store, u.id, box.id, raws);
    assert.ok(off.messageReads() > 0, 'without a cache the messages are read again');
  } finally {
    await w.close();
    await off.close();
  }
});

test('the cache keeps to its bound, drops the least recently used first and keeps its own copies', () => {
  const entry = (n: number) => ({
    content: Buffer.alloc(1000, n),
    size: 1000 + n,
    attachmentRefs: [`r${n}`],
  });
  const cache = new ContentCache(20_000);
  const first = entry(1);
  cache.put('a1', first);
  first.content.fill(9);
  first.attachmentRefs.push('changed');
  assert.deepEqual(cache.get('a1'), entry(1), 'a copy, not the caller buffer');
  for (let n = 2; n <= 30; n++) {
    cache.put(`a${n}`, entry(n));
    assert.ok(cache.get('a1'), 'the entry read each time stays');
  }
  assert.ok(cache.held <= 20_000, `held ${cache.held}`);
  assert.ok(cache.size < 30 && cache.size >= 10, `kept ${cache.size}`);
  assert.equal(cache.has('a2'), false, 'the least recently used went first');
  assert.ok(cache.has('a30'));

  cache.put('big', { content: Buffer.alloc(5000), size: 5000 });
  assert.equal(cache.has('big'), false, 'an entry above a sixteenth of the bound is not kept');
  const none = new ContentCache(0);
  none.put('x', entry(1));
  assert.equal(none.size, 0);
  cache.delete('a30');
  assert.equal(cache.has('a30'), false);

  // search parts join an entry kept without them, and count against the bound
  const wide = new ContentCache(100_000);
  const search = {
    searchable: Buffer.alloc(500, 1),
    subject: 'hello',
    from: [],
    to: [],
    cc: [],
    bcc: [],
    replyTo: [],
    sender: [],
  };
  wide.put('s1', entry(5));
  const plain = wide.held;
  wide.put('s1', entry(5), search);
  assert.deepEqual(wide.get('s1')?.search?.searchable, Buffer.alloc(500, 1));
  assert.deepEqual(wide.get('s1')?.content, entry(5).content);
  assert.ok(wide.held >= plain + 500, 'the search parts are counted');
  assert.equal(wide.size, 1);
});

test('an attachment body read whole is kept: the next read queries no files or chunks, in full or in part', async () => {
  const u = await t.store.users.create({ username: 'cc-body' });
  const inbox = (await t.store.mailboxes.get(u.id, 'INBOX'))!;
  const body = bytes(100_000, 7);
  const raw = mail({
    subject: 'with a body apart',
    text: 'see attached',
    attachment: body,
    filename: 'a.bin',
  });
  const { uid } = await t.store.messages.add({ user: u.id, mailbox: inbox.id, raw });
  const bodyReads = (finds: string[]) => finds.filter((c) => c.startsWith('attachments.')).length;
  const w = await watchedStore();
  const cold = await watchedStore({ contentCacheBytes: 0 });
  try {
    for (const s of [w, cold]) {
      await s.store.messages.view(u.id, inbox.id);
      s.finds();
      const m = (await s.store.messages.open(u.id, inbox.id, uid))!;
      assert.deepEqual(await buffer(m.raw().stream), raw);
      const finds = s.finds();
      assert.ok(bodyReads(finds) >= 2, `the body is read from GridFS: ${finds.join()}`);
    }

    w.finds();
    const m = (await w.store.messages.open(u.id, inbox.id, uid))!;
    const whole = m.raw();
    assert.ok(whole.pieces, 'the whole message is in memory');
    assert.deepEqual(Buffer.concat(whole.pieces), raw);
    assert.deepEqual(await buffer(whole.stream), raw);
    const range = { start: 300, length: 60_000 };
    assert.deepEqual(Buffer.concat(m.raw(range).pieces!), raw.subarray(300, 60_300));
    assert.deepEqual(await buffer(m.raw(range).stream), raw.subarray(300, 60_300));
    const part = await buffer(m.section('2')!.stream);
    const finds = w.finds();
    assert.equal(bodyReads(finds), 0, `no body read: ${finds.join()}`);
    // the attachment's part, as a store that reads it from GridFS gives it
    const fromGridFs = (await cold.store.messages.open(u.id, inbox.id, uid))!;
    assert.ok(part.length > body.length);
    assert.deepEqual(part, await buffer(fromGridFs.section('2')!.stream));

    // without a cache every read goes to GridFS
    cold.finds();
    const again = (await cold.store.messages.open(u.id, inbox.id, uid))!;
    assert.equal(again.raw().pieces, null);
    assert.deepEqual(await buffer(again.raw().stream), raw);
    assert.ok(bodyReads(cold.finds()) >= 2);
  } finally {
    await w.close();
    await cold.close();
  }
});
