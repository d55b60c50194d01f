// How a mailbox index knows it is current (docs/ARCHITECTURE.md §3): the MODSEQ writers announce
// in Redis before a change is acknowledged stands in for the mailbox document, so a view holds
// every change acknowledged before it was asked for, by this process or another, without reading
// the document; the document is read when Redis has no MODSEQ, and at least every
// INDEX_RECHECK_MS, which bounds how long a change journaled but never announced stays unseen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MongoClient, type CommandStartedEvent } from 'mongodb';
import type { Redis } from 'ioredis';
import { openStore, type TestStore } from './_store.ts';
import { mail } from './_mail.ts';
import { testEnv, openTestRedis } from '../helpers/backends.ts';
import { createStore, type Store, type StoreOptions } from '../../server/store/index.ts';
import { INDEX_RECHECK_MS } from '../../server/store/mailbox-index/cache.ts';

let t: TestStore;
before(async () => {
  t = await openStore();
});
after(async () => {
  await t.close();
});

interface Reader {
  store: Store;
  redis: Redis;
  /** `find` commands sent to the mailboxes collection since the last reset. */
  mailboxFinds: number;
  close(): Promise<void>;
}

/**
 * Another process on the same database and Redis whose `find`s on the mailboxes are counted.
 * `deaf`: it hears no beacons, so what it knows of the others' changes comes from Redis's
 * announced MODSEQ, the mailbox document and the journal alone.
 */
async function reader(opts: { deaf: boolean; options?: StoreOptions }): Promise<Reader> {
  const client = new MongoClient(testEnv().mongodbUri, { monitorCommands: true });
  await client.connect();
  const redis = openTestRedis();
  const store = createStore({
    db: client.db(t.dbName),
    redis,
    options: { bcryptRounds: 4, channelPrefix: t.store.notify.prefix, ...opts.options },
  });
  const r: Reader = {
    store,
    redis,
    mailboxFinds: 0,
    async close() {
      await store.close();
      redis.disconnect();
      await client.close();
    },
  };
  client.on('commandStarted', (e: CommandStartedEvent) => {
    if (e.commandName === 'find' && e.command.find === 'mailboxes') r.mailboxFinds++;
  });
  // closing its notifier ends its subscriptions; writing and announcing go on
  if (opts.deaf) await store.notify.close();
  return r;
}

/** A recheck bound far beyond the test, so any read of the mailbox document is the fallback's. */
const NO_RECHECK: StoreOptions = { indexRecheckMs: 10 * 60_000 };

let n = 0;
async function newMailbox(): Promise<{ user: string; mailbox: string }> {
  const u = await t.store.users.create({ username: `fresh${++n}`, password: 'pw' });
  const inbox = (await t.store.mailboxes.get(u.id, 'INBOX'))!;
  return { user: u.id, mailbox: inbox.id };
}

async function add(store: Store, user: string, mailbox: string, subject: string): Promise<number> {
  return (await store.messages.add({ user, mailbox, raw: mail({ subject }) })).uid;
}

test('views after this process’s own writes read no mailbox document while the announced MODSEQ is there', async () => {
  const { user, mailbox } = await newMailbox();
  const a = await reader({ deaf: false, options: NO_RECHECK });
  try {
    await a.store.messages.view(user, mailbox); // opens it: reads the document once
    for (let i = 1; i <= 4; i++) {
      const uid = await add(a.store, user, mailbox, `own ${i}`);
      await a.store.messages.updateFlags({ user, mailbox, uids: [uid], action: 'add', flags: ['$Own'] });
      a.mailboxFinds = 0;
      for (let k = 0; k < 3; k++) {
        const v = await a.store.messages.view(user, mailbox);
        assert.ok(v);
        assert.equal(v.exists, i);
        assert.deepEqual([...v.get(uid)!.flags], ['$Own']);
      }
      assert.equal(a.mailboxFinds, 0, `views after write ${i} read the mailbox document`);
    }
  } finally {
    await a.close();
  }
});

test('two processes: a write through one is in the very next view of the other, which hears no beacon and reads no mailbox document', async () => {
  const { user, mailbox } = await newMailbox();
  const a = await reader({ deaf: true, options: NO_RECHECK });
  try {
    assert.equal((await a.store.messages.view(user, mailbox))!.exists, 0);
    a.mailboxFinds = 0;
    for (let i = 1; i <= 4; i++) {
      const uid = await add(t.store, user, mailbox, `other ${i}`);
      let v = await a.store.messages.view(user, mailbox);
      assert.deepEqual(
        v!.uids(),
        Array.from({ length: i }, (_, k) => k + 1),
      );
      await t.store.messages.updateFlags({ user, mailbox, uids: [uid], action: 'add', flags: ['\\Seen'] });
      v = await a.store.messages.view(user, mailbox);
      assert.deepEqual([...v!.get(uid)!.flags], ['\\Seen']);
      assert.equal(v!.modseq, (await t.store.messages.view(user, mailbox))!.modseq);
    }
    assert.equal(a.mailboxFinds, 0, 'the announced MODSEQ stood in for the mailbox document');
  } finally {
    await a.close();
  }
});

test('without the announced MODSEQ (Redis restarted) a view reads the mailbox document and misses nothing', async () => {
  const { user, mailbox } = await newMailbox();
  const a = await reader({ deaf: true, options: NO_RECHECK });
  try {
    await add(t.store, user, mailbox, 'before');
    assert.deepEqual((await a.store.messages.view(user, mailbox))!.uids(), [1]);
    await add(t.store, user, mailbox, 'after');
    await t.redis.del(t.store.keys.announcedModseq(mailbox));
    a.mailboxFinds = 0;
    assert.deepEqual((await a.store.messages.view(user, mailbox))!.uids(), [1, 2]);
    assert.equal(a.mailboxFinds, 1, 'the mailbox document was read instead');
    // the next write announces it again
    await add(t.store, user, mailbox, 'again');
    a.mailboxFinds = 0;
    assert.deepEqual((await a.store.messages.view(user, mailbox))!.uids(), [1, 2, 3]);
    assert.equal(a.mailboxFinds, 0);
  } finally {
    await a.close();
  }
});

test('a change journaled but never announced is seen within INDEX_RECHECK_MS', async () => {
  const { user, mailbox } = await newMailbox();
  const a = await reader({ deaf: true });
  try {
    await add(t.store, user, mailbox, 'announced');
    assert.deepEqual((await a.store.messages.view(user, mailbox))!.uids(), [1]);
    const key = t.store.keys.announcedModseq(mailbox);
    const announced = await t.redis.get(key);
    await add(t.store, user, mailbox, 'never announced');
    // as if the writer died after its journal write: Redis still says the MODSEQ before it
    await t.redis.set(key, announced!);
    const lowered = Date.now();
    let seenAfter = -1;
    while (Date.now() - lowered < INDEX_RECHECK_MS + 3000) {
      if ((await a.store.messages.view(user, mailbox))!.uids().length === 2) {
        seenAfter = Date.now() - lowered;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(seenAfter >= 0, `the change was not seen within ${INDEX_RECHECK_MS + 3000} ms`);
    assert.deepEqual((await a.store.messages.view(user, mailbox))!.uids(), [1, 2]);
  } finally {
    await a.close();
  }
});

test('a deleted mailbox gives null to a process that heard no beacon, and a change announced late does not bring it back', async () => {
  const u = await t.store.users.create({ username: `fresh${++n}`, password: 'pw' });
  const box = await t.store.mailboxes.create(u.id, 'Doomed');
  const a = await reader({ deaf: true, options: NO_RECHECK });
  try {
    await add(t.store, u.id, box.id, 'one');
    assert.deepEqual((await a.store.messages.view(u.id, box.id))!.uids(), [1]);
    await t.store.mailboxes.delete(u.id, 'Doomed');
    assert.equal(await a.store.messages.view(u.id, box.id), null);
    // a writer that took its MODSEQ before the delete announces after it
    await t.store.notify.announce([
      { user: u.id, mailbox: box.id, modseq: 7, command: 'FETCH', uid: 1, flags: [] },
    ]);
    assert.equal(await t.store.notify.announced(box.id), null);
    assert.equal(await a.store.messages.view(u.id, box.id), null);
  } finally {
    await a.close();
  }
});

test('a deleted user’s mailboxes give null to a process that heard no beacon', async () => {
  const { user, mailbox } = await newMailbox();
  const a = await reader({ deaf: true, options: NO_RECHECK });
  try {
    await add(t.store, user, mailbox, 'one');
    assert.deepEqual((await a.store.messages.view(user, mailbox))!.uids(), [1]);
    await t.store.users.delete(user);
    assert.equal(await a.store.messages.view(user, mailbox), null);
  } finally {
    await a.close();
  }
});
