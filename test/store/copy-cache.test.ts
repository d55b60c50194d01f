// COPY from the content cache (server/store/content-cache.ts): a process copies the messages it
// stored without reading them, with their flags as the mailbox index lists them now; the copies are
// the same documents a copy read from the database makes; a process that did not store them reads
// them; an expunged message is never copied; the cache hands out copies of its own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { buffer } from 'node:stream/consumers';
import { ObjectId, type Document } from 'mongodb';
import { isFind, openStore, openWatchedStore, type TestStore } from './_store.ts';
import { bytes, mail } from './_mail.ts';
import { type Store, type StoreOptions } from '../../server/store/index.ts';
import { ContentCache, type CopyParts } from '../../server/store/content-cache.ts';
import { unpack, type Content } from '../../server/store/content.ts';

let t: TestStore;
before(async () => {
  t = await openStore();
});
after(async () => {
  await t.close();
});

const ALL: Array<[number, number]> = [[1, 4294967295]];

/** A store over a client of its own, as another process would have, noting its finds on messages. */
async function watchedStore(options: StoreOptions = {}) {
  const second = await openWatchedStore(t, options);
  return {
    ...second,
    /** The finds on the messages since the last call. */
    messageFinds: () =>
      second.take((c) => isFind(c) && c.collection === 'messages').map((c) => JSON.stringify(c.filter ?? {})),
  };
}

const FLAG_FIELDS = ['seen', 'answered', 'flagged', 'deleted', 'draft'];
/** What a copy takes over from its source document; flags are not among them: a document keeps
 * those it came with, the index the current ones, which a copy takes (checked below). */
function carried(d: Document): Document {
  const rest = { ...d };
  for (const k of ['_id', 'mailbox', 'uid', 'page', 'modseq', 'created', 'flags', ...FLAG_FIELDS])
    delete rest[k];
  return rest;
}

/** The message documents of a mailbox, once expunged ones are deleted (reaper.ts). */
async function docsOf(mailbox: string): Promise<Document[]> {
  await t.store.reap();
  return t.db
    .collection('messages')
    .find({ mailbox: new ObjectId(mailbox) })
    .sort({ uid: 1 })
    .toArray();
}

async function readAll(store: Store, user: string, mailbox: string, raws: Buffer[]) {
  const pager = store.messages.pager(user, mailbox, ALL);
  for (let i = 0; i < raws.length; i++) {
    const m = await pager.open(i + 1);
    assert.ok(m, `uid ${i + 1} opens`);
    assert.deepEqual(await buffer(m.raw().stream), raws[i], `uid ${i + 1} byte for byte`);
  }
}

test('COPY of messages this process stored reads none of them; another process reads them; an expunged one is not copied', async () => {
  const w = await watchedStore();
  const other = await watchedStore();
  const uncached = await watchedStore({ contentCacheBytes: 0 });
  try {
    const u = await w.store.users.create({ username: 'copycache', password: 'pw' });
    const box = await w.store.mailboxes.create(u.id, 'Source');
    const target = await w.store.mailboxes.create(u.id, 'Copies');
    const elsewhere = await w.store.mailboxes.create(u.id, 'Elsewhere');
    const raws: Buffer[] = [];
    for (let i = 1; i <= 5; i++) {
      const raw = mail({
        subject: `copy ${i}`,
        messageId: `<copy${i}@example.com>`,
        text: `body ${i}\r\n`.repeat(i * 50),
        // a body large enough for GridFS: the copy takes one more reference to it
        ...(i === 2 ? { attachment: bytes(100 * 1024, 7), filename: 'big.bin' } : {}),
      });
      await w.store.messages.add({ user: u.id, mailbox: box.id, raw, flags: i === 3 ? ['\\Seen'] : [] });
      raws.push(raw);
    }
    // flags changed after the messages were cached: copies take them as they are now
    await w.store.messages.updateFlags({
      user: u.id,
      mailbox: box.id,
      uids: [[1, 2]],
      flags: ['$Label', '\\Flagged'],
      action: 'add',
    });
    // uid 4 is expunged by another process after this one cached it
    await other.store.messages.updateFlags({
      user: u.id,
      mailbox: box.id,
      uids: [[4, 4]],
      flags: ['\\Deleted'],
      action: 'add',
    });
    assert.deepEqual((await other.store.messages.expunge({ user: u.id, mailbox: box.id })).uids, [4]);
    const refs = async () =>
      (await t.db.collection('attachments.files').find({}).toArray()).map(
        (f) => (f.metadata as { refs: number }).refs,
      );
    assert.deepEqual(await refs(), [1]);
    // as the copying process reads them (another reads them a moment later: usage.ts)
    const storage = async () => {
      const d = (await w.store.users.get(u.id))!;
      return { bytes: d.storageUsed, count: d.messagesUsed };
    };
    const before = await storage();
    w.messageFinds();

    const res = await w.store.messages.copy({ user: u.id, mailbox: box.id, uids: ALL, target: target.id });
    assert.deepEqual(
      res.map,
      [1, 2, 3, 5].map((uid, i) => ({ source: uid, target: i + 1 })),
    );
    assert.deepEqual(w.messageFinds(), [], 'no find on the messages');
    const none = await w.store.messages.copy({
      user: u.id,
      mailbox: box.id,
      uids: [[4, 4]],
      target: target.id,
    });
    assert.deepEqual(none.map, [], 'the expunged message is not copied');
    assert.deepEqual(await refs(), [2], 'one more reference to the GridFS body');
    const sizes = [0, 1, 2, 4].map((i) => raws[i]!.length);
    assert.deepEqual(await storage(), {
      bytes: before.bytes + sizes.reduce((a, b) => a + b),
      count: before.count + 4,
    });

    // the copies are the documents a copy read from the database makes: that of another process
    assert.deepEqual(
      (await other.store.messages.copy({ user: u.id, mailbox: box.id, uids: ALL, target: elsewhere.id })).map,
      res.map,
    );
    assert.ok(other.messageFinds().length > 0, 'the other process read the messages');
    const sources = await docsOf(box.id);
    const fromCache = await docsOf(target.id);
    const fromReads = await docsOf(elsewhere.id);
    assert.deepEqual(fromCache.map(carried), sources.map(carried), 'every field carried over');
    assert.deepEqual(fromReads.map(carried), sources.map(carried));
    assert.deepEqual(
      fromCache.map((d) => [...(d.flags as string[])].sort()),
      [['$Label', '\\Flagged'], ['$Label', '\\Flagged'], ['\\Seen'], []],
    );
    // copies read from the database take the flags the index lists, as those built from the cache
    const flagsOf = (d: Document) => [[...(d.flags as string[])].sort(), d.seen, d.flagged];
    assert.deepEqual(fromReads.map(flagsOf), fromCache.map(flagsOf));
    assert.deepEqual(
      fromCache.map((d) => [d.seen, d.flagged]),
      [
        [false, true],
        [false, true],
        [true, false],
        [false, false],
      ],
    );
    // and what it read, it copies next time without reading
    await other.store.messages.copy({ user: u.id, mailbox: box.id, uids: ALL, target: elsewhere.id });
    assert.deepEqual(other.messageFinds(), [], 'the second copy of the other process reads nothing');

    // read back byte for byte by a process that holds nothing, with the flags of the sources
    const copied = [0, 1, 2, 4].map((i) => raws[i]!);
    await readAll(uncached.store, u.id, target.id, copied);
    await readAll(uncached.store, u.id, elsewhere.id, copied);
    const flags = (await uncached.store.messages.view(u.id, target.id))!.entries.map((e) =>
      [...e.flags].sort(),
    );
    assert.deepEqual(flags, [['$Label', '\\Flagged'], ['$Label', '\\Flagged'], ['\\Seen'], []]);
    const tree = unpack<Content>(fromCache[1]!.content as Parameters<typeof unpack>[0]).tree;
    assert.deepEqual(tree, unpack<Content>(sources[1]!.content as Parameters<typeof unpack>[0]).tree);
  } finally {
    await w.close();
    await other.close();
    await uncached.close();
  }
});

test('a COPY from the cache that does not fit the quota copies nothing', async () => {
  const w = await watchedStore();
  try {
    const u = await w.store.users.create({ username: 'copycachequota', password: 'pw' });
    const box = await w.store.mailboxes.create(u.id, 'Source');
    const target = await w.store.mailboxes.create(u.id, 'Copies');
    let size = 0;
    for (let i = 1; i <= 3; i++)
      size += (await w.store.messages.add({ user: u.id, mailbox: box.id, raw: mail({ subject: `q${i}` }) }))
        .size;
    await w.store.users.update(u.id, { quota: size * 2 - 1 });
    w.messageFinds();
    await assert.rejects(
      w.store.messages.copy({ user: u.id, mailbox: box.id, uids: ALL, target: target.id }),
      (err: Error & { code?: string }) => err.code === 'OVERQUOTA',
    );
    assert.equal((await w.store.messages.view(u.id, target.id))!.entries.length, 0);
    assert.equal((await docsOf(target.id)).length, 0);
    assert.equal((await w.store.users.get(u.id))!.storageUsed, size, 'the reservation went back');
    assert.deepEqual(w.messageFinds(), []);
  } finally {
    await w.close();
  }
});

test('the cache counts what a copy needs against its bound and hands out copies of its own', () => {
  const copy: CopyParts = {
    msgid: '<a@b>',
    inReplyTo: null,
    references: ['<r@b>'],
    envelope: 'e'.repeat(400),
    bodystructure: 'b'.repeat(400),
    body: 'b'.repeat(400),
    intro: 'intro',
    attachments: [
      { id: '1', filename: 'f.txt', contentType: 'text/plain', disposition: 'attachment', size: 3 },
    ],
    hasAttachments: true,
  };
  const search = {
    searchable: Buffer.alloc(100, 2),
    subject: 'hello',
    from: [{ name: 'A', address: 'a@b' }],
    to: [],
    cc: [],
    bcc: [],
    replyTo: [],
    sender: [],
  };
  const content = Buffer.from(new Uint8Array([5, 0, 0, 0, 0])); // an empty BSON document
  const cache = new ContentCache(1_000_000);
  cache.put('m', { content, size: 10, attachmentRefs: ['r'] }, search);
  assert.equal(cache.forCopy('m'), undefined, 'without its copy parts it is no source of a copy');
  const without = cache.held;
  cache.put('m', { content, size: 10 }, search, copy);
  assert.ok(cache.held >= without + 1200 * 2, `copy parts counted: ${without} → ${cache.held}`);
  assert.equal(cache.size, 1);

  // what the caller passed in and what it was given are its own to change
  copy.references.push('<changed@b>');
  copy.attachments[0]!.filename = 'changed';
  search.from[0]!.address = 'changed@b';
  const got = cache.forCopy('m')!;
  assert.deepEqual(got.references, ['<r@b>']);
  assert.equal(got.attachments[0]!.filename, 'f.txt');
  assert.deepEqual(got.from, [{ name: 'A', address: 'a@b' }]);
  assert.deepEqual(got.attachmentRefs, ['r']);
  got.references.push('x');
  got.attachments[0]!.size = 99;
  got.from[0]!.name = 'x';
  got.attachmentRefs.push('x');
  got.content.buffer.fill(9);
  got.searchable.buffer.fill(9);
  const again = cache.forCopy('m')!;
  assert.deepEqual(again.references, ['<r@b>']);
  assert.equal(again.attachments[0]!.size, 3);
  assert.equal(again.from[0]!.name, 'A');
  assert.deepEqual(again.attachmentRefs, ['r']);
  assert.deepEqual(unpack<Content>(again.content), {});
  assert.deepEqual(cache.get('m')?.search?.searchable, Buffer.alloc(100, 2));

  // an entry too large with its copy parts stays as it was
  const small = new ContentCache(16 * 2000);
  small.put('s', { content: Buffer.alloc(1000) as Buffer, size: 1000 }, search);
  const kept = small.held;
  small.put('s', { content: Buffer.alloc(1000), size: 1000 }, search, { ...copy, body: 'x'.repeat(2000) });
  assert.equal(small.held, kept);
  assert.ok(small.get('s')?.search, 'the entry kept before is still there');
  assert.equal(small.forCopy('s'), undefined);
});
