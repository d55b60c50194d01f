// Names kept under the directory version (server/store/directory.ts): recipient lookups and
// mailbox ids by path. A second lookup reads nothing from the database while nothing changed, and
// a change made through another process — an address added or removed, a user disabled or
// deleted, a filter created, changed or removed, a mailbox created, renamed or deleted — is seen by
// the very next lookup. A Redis that lost the version reads again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MongoClient, type CommandStartedEvent } from 'mongodb';
import { openStore, type TestStore } from './_store.ts';
import { openTestRedis, testEnv } from '../helpers/backends.ts';
import { createStore, type Store } from '../../server/store/index.ts';

let t: TestStore;
/** The delivering process: its own client, whose reads are counted. */
let lmtp: Store;
let client: MongoClient;
let closeRedis: () => void;
const reads: string[] = [];

before(async () => {
  t = await openStore();
  client = new MongoClient(testEnv().mongodbUri, { monitorCommands: true });
  await client.connect();
  client.on('commandStarted', (e: CommandStartedEvent) => {
    if (e.commandName === 'find' || e.commandName === 'aggregate')
      reads.push(String(e.command[e.commandName]));
  });
  const redis = openTestRedis();
  closeRedis = () => redis.disconnect();
  lmtp = createStore({ db: client.db(t.dbName), redis, options: { channelPrefix: t.store.notify.prefix } });
});
after(async () => {
  await lmtp.close();
  closeRedis();
  await client.close();
  await t.close();
});

/** The Redis GETs of the directory version sent while `fn` runs (MONITOR on a connection of its own). */
async function redisGets(fn: () => Promise<void>): Promise<number> {
  const base = openTestRedis();
  const monitor = await base.monitor();
  const seen: string[] = [];
  monitor.on('monitor', (_time: string, args: string[]) => {
    if (args[0]?.toLowerCase() === 'get' && args[1]?.endsWith('directory:version')) seen.push(args[1]);
  });
  try {
    await fn();
    await new Promise((r) => setTimeout(r, 50)); // MONITOR's lines trail the replies
    return seen.length;
  } finally {
    monitor.disconnect();
    base.disconnect();
  }
}

/** The lookup's answer and the collections it read. */
async function lookup(address: string) {
  reads.length = 0;
  const info = await lmtp.recipients.lookup(address);
  return { info, read: [...reads] };
}

test('a repeated lookup reads nothing; an address added or removed elsewhere counts at once', async () => {
  const u = await t.store.users.create({ username: 'rc-ann', address: 'ann@rc.test' });
  const first = await lookup('ann@rc.test');
  assert.deepEqual(first.info, { user: u.id, address: 'ann@rc.test', disabled: false, filters: [] });
  assert.ok(first.read.includes('addresses') && first.read.includes('users'), first.read.join());
  const again = await lookup('ann@rc.test');
  assert.deepEqual(again.info, first.info);
  assert.deepEqual(again.read, []);

  // unknown, and cached as unknown
  assert.equal((await lookup('ann2@rc.test')).info, null);
  assert.deepEqual((await lookup('ann2@rc.test')).read, []);
  await t.store.addresses.add(u.id, 'ann2@rc.test');
  assert.equal((await lookup('ann2@rc.test')).info?.user, u.id);

  await t.store.addresses.delete(u.id, 'ann2@rc.test');
  assert.equal((await lookup('ann2@rc.test')).info, null);
  assert.equal((await lookup('ann@rc.test')).info?.user, u.id);
});

test('a user disabled, created or deleted elsewhere counts at the next lookup', async () => {
  assert.equal((await lookup('bob@rc.test')).info, null);
  const u = await t.store.users.create({ username: 'rc-bob', address: 'bob@rc.test' });
  assert.equal((await lookup('bob@rc.test')).info?.disabled, false);
  await t.store.users.update(u.id, { disabled: true });
  assert.equal((await lookup('bob@rc.test')).info?.disabled, true);
  await t.store.users.update(u.id, { disabled: false });
  assert.equal((await lookup('bob@rc.test')).info?.disabled, false);
  await t.store.users.delete(u.id);
  assert.equal((await lookup('bob@rc.test')).info, null);
});

test('a lookup as of a version read earlier reads no version; a change after it counts from the next', async () => {
  const u = await t.store.users.create({ username: 'rc-dot', address: 'dot@rc.test' });
  assert.equal((await lookup('dot@rc.test')).info?.disabled, false);
  // an LMTP transaction reads the version at MAIL FROM and looks its recipients up under it
  let asOf!: Promise<string | null>;
  const gets = await redisGets(async () => {
    asOf = lmtp.recipients.directoryVersion();
    const info = await lmtp.recipients.lookup('dot@rc.test', asOf);
    assert.equal(info?.disabled, false);
  });
  assert.equal(gets, 1, 'only the version read at the start');
  await t.store.users.update(u.id, { disabled: true });
  // the transaction that began before the change still sees the names of its start
  assert.equal((await lmtp.recipients.lookup('dot@rc.test', asOf))?.disabled, false);
  // the next one sees the change
  const next = lmtp.recipients.directoryVersion();
  assert.equal((await lmtp.recipients.lookup('dot@rc.test', next))?.disabled, true);
  assert.equal((await lookup('dot@rc.test')).info?.disabled, true);
});

test('filters created, changed and removed elsewhere are the ones the next lookup gives', async () => {
  const u = await t.store.users.create({ username: 'rc-cy', address: 'cy@rc.test' });
  assert.deepEqual((await lookup('cy@rc.test')).info?.filters, []);
  const f = await t.store.filters.create(u.id, { query: { subject: 'x' }, action: { seen: true } });
  assert.deepEqual(
    (await lookup('cy@rc.test')).info?.filters.map((x) => x.id),
    [f.id],
  );
  assert.deepEqual((await lookup('cy@rc.test')).read, []);
  await t.store.filters.update(u.id, f.id, { disabled: true });
  assert.equal((await lookup('cy@rc.test')).info?.filters[0]?.disabled, true);
  await t.store.filters.delete(u.id, f.id);
  assert.deepEqual((await lookup('cy@rc.test')).info?.filters, []);
});

test('a Redis that lost the version reads again; answers cannot be changed by their caller', async () => {
  const u = await t.store.users.create({ username: 'rc-dee', address: 'dee@rc.test' });
  await lookup('dee@rc.test');
  assert.deepEqual((await lookup('dee@rc.test')).read, []);
  // as after a restart of a Redis that kept nothing
  await t.redis.del(t.store.keys.directoryVersion);
  const after = await lookup('dee@rc.test');
  assert.ok(after.read.includes('addresses'), after.read.join());
  assert.equal(after.info?.user, u.id);
  assert.throws(() => {
    (after.info as { disabled: boolean }).disabled = true;
  }, TypeError);
  assert.equal((await lookup('dee@rc.test')).info?.disabled, false);
});

/** The mailbox id at `path` as the delivering process finds it, and the collections it read. */
async function idOf(user: string, path: string) {
  reads.length = 0;
  const id = await lmtp.mailboxes.idOf(user, path);
  return { id, read: [...reads] };
}

test('a mailbox id by path is read once; a mailbox created, renamed or deleted elsewhere counts at once', async () => {
  const u = await t.store.users.create({ username: 'rc-eve' });
  const inbox = (await t.store.mailboxes.get(u.id, 'INBOX'))!;
  assert.deepEqual((await idOf(u.id, 'INBOX')).id, inbox.id);
  assert.deepEqual(await idOf(u.id, 'inbox'), { id: inbox.id, read: [] });

  assert.equal((await idOf(u.id, 'Work')).id, null);
  assert.deepEqual((await idOf(u.id, 'Work')).read, []);
  const work = await t.store.mailboxes.create(u.id, 'Work');
  assert.equal((await idOf(u.id, 'Work')).id, work.id);

  await t.store.mailboxes.rename(u.id, 'Work', 'Jobs');
  assert.equal((await idOf(u.id, 'Work')).id, null);
  assert.equal((await idOf(u.id, 'Jobs')).id, work.id);

  await t.store.mailboxes.delete(u.id, 'Jobs');
  assert.equal((await idOf(u.id, 'Jobs')).id, null);
  const again = await t.store.mailboxes.create(u.id, 'Jobs');
  assert.equal((await idOf(u.id, 'Jobs')).id, again.id);
  // another user's path is its own
  const other = await t.store.users.create({ username: 'rc-fay' });
  assert.equal((await idOf(other.id, 'Jobs')).id, null);
});
