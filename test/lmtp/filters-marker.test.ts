// A user created without filters is delivered to without reading the filters collection: its
// document says it has none (`noFilters`, docs/ARCHITECTURE.md §3). A filter created through
// another process must still apply from the very next delivery, and a user stored before the
// marker existed always has its filters read.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ObjectId } from 'mongodb';
import type { AddressInfo } from 'node:net';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { openTestRedis } from '../helpers/backends.ts';
import { createLmtpServer, type LmtpServer } from '../../server/lmtp/server.ts';
import { createStore, type Store } from '../../server/store/index.ts';
import { lmtpTalk, makeUser } from './_util.ts';
import { eventually } from '../store/_store.ts';

let srv: TestServer;
let lmtp: LmtpServer;
let port: number;
let lmtpStore: Store;
/** Reads of the filters collection by the LMTP server's store. */
let filterReads = 0;

before(async () => {
  srv = await startTestServer({ services: ['lmtp'] });
  const { database, redis } = srv.server.ctx.backends;
  const store = (lmtpStore = createStore({
    database,
    redis,
    options: { channelPrefix: srv.store.notify.prefix },
  }));
  const list = store.filters.list.bind(store.filters);
  store.filters.list = (user) => {
    filterReads++;
    return list(user);
  };
  lmtp = createLmtpServer({ ...srv.server.ctx, store });
  await new Promise<void>((r) => lmtp.smtp.listen(0, '127.0.0.1', () => r()));
  port = (lmtp.smtp.server.address() as AddressInfo).port;
});
after(async () => {
  await lmtp?.close();
  await lmtpStore?.close();
  await srv?.stop();
});

/** One transaction for `rcpt`; its reply after DATA. */
async function deliver(rcpt: string, subject: string): Promise<string> {
  const lines = await lmtpTalk(
    port,
    `LHLO t\r\nMAIL FROM:<s@remote.test>\r\nRCPT TO:<${rcpt}>\r\nDATA\r\nSubject: ${subject}\r\n\r\nbody\r\n.\r\nQUIT\r\n`,
    (l) => l.some((x) => x.startsWith('221')),
  );
  return lines[lines.findIndex((l) => l.startsWith('354')) + 1]!;
}

/** The flags of each message in the INBOX, read through the server's store once it holds `count`
 * messages: a delivery is answered at its commit point, and another process's store (this one)
 * sees it once it is journaled and announced, a moment later (docs/ARCHITECTURE.md §3). */
async function inboxFlags(user: string, count: number): Promise<string[][]> {
  const box = (await srv.store.mailboxes.get(user, 'INBOX'))!;
  const view = async () => (await srv.store.messages.view(user, box.id))!;
  await eventually(async () => (await view()).entries.length >= count);
  return (await view()).entries.map((e) => [...e.flags]);
}

/** Another process's store on the same back end. */
async function otherStore<T>(fn: (s: Store) => Promise<T>): Promise<T> {
  const redis = openTestRedis();
  const s = createStore({
    database: srv.server.ctx.backends.database,
    redis,
    options: { channelPrefix: srv.store.notify.prefix },
  });
  try {
    return await fn(s);
  } finally {
    await s.close();
    redis.disconnect();
  }
}

test('no filters read for a user without any; one created elsewhere applies to the next delivery', async () => {
  const u = await makeUser(srv.store, 'marker-new');
  assert.equal((await srv.store.users.recipient(u.id))!.mayHaveFilters, false);
  filterReads = 0;
  assert.match(await deliver(u.address!, 'first'), /^250 /);
  assert.equal(filterReads, 0, 'the filters were not read');
  assert.deepEqual(await inboxFlags(u.id, 1), [[]]);

  await otherStore((s) => s.filters.create(u.id, { query: { subject: 'second' }, action: { seen: true } }));
  assert.equal((await srv.store.users.recipient(u.id))!.mayHaveFilters, true);
  assert.match(await deliver(u.address!, 'second'), /^250 /);
  assert.equal(filterReads, 1);
  assert.deepEqual(await inboxFlags(u.id, 2), [[], ['\\Seen']]);
});

test('a user stored before the marker existed has its filters read and applied', async () => {
  const u = await makeUser(srv.store, 'marker-old');
  // as an older version stored them: no marker, and a filter written beside it
  await srv.db.collection('users').updateOne({ _id: new ObjectId(u.id) }, { $unset: { noFilters: '' } });
  await srv.db.collection('filters').insertOne({
    _id: new ObjectId(),
    user: new ObjectId(u.id),
    name: 'old',
    query: { subject: 'old' },
    action: { flag: true },
    disabled: false,
    created: new Date(),
  });
  filterReads = 0;
  assert.match(await deliver(u.address!, 'old'), /^250 /);
  assert.equal(filterReads, 1);
  assert.deepEqual(await inboxFlags(u.id, 1), [['\\Flagged']]);
});
