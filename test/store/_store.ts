// Opens a store on a fresh test database and Redis; close() drops the database. A second store on
// the same database, as another process has it, reports the commands its own client sends.
import assert from 'node:assert/strict';
import { buffer } from 'node:stream/consumers';
import { fork } from 'node:child_process';
import { MongoClient, type CommandStartedEvent, type Db } from 'mongodb';
import type { Redis } from 'ioredis';
import { openTestDb, openTestRedis, testEnv, uniqueName } from '../helpers/backends.ts';
import { createStore, type Store, type StoreOptions } from '../../server/store/index.ts';

export interface TestStore {
  store: Store;
  db: Db;
  dbName: string;
  redis: Redis;
  close(): Promise<void>;
}

export async function openStore(options: StoreOptions = {}): Promise<TestStore> {
  const tdb = await openTestDb();
  const redis = openTestRedis();
  const store = createStore({
    db: tdb.db,
    redis,
    options: { bcryptRounds: 4, channelPrefix: uniqueName('nb'), ...options },
  });
  await store.ensureIndexes();
  return {
    store,
    db: tdb.db,
    dbName: tdb.dbName,
    redis,
    async close() {
      await store.close();
      redis.disconnect();
      await tdb.close();
    },
  };
}

/** Another process's store on `t`'s database and Redis prefix, over a MongoDB client and a Redis
 * connection of its own; `watch` sees every command that client sends. */
export async function openSecondStore(
  t: Pick<TestStore, 'dbName' | 'store'>,
  watch: (e: CommandStartedEvent) => void,
  options: StoreOptions = {},
): Promise<{ store: Store; close(): Promise<void> }> {
  const client = new MongoClient(testEnv().mongodbUri, { monitorCommands: true });
  await client.connect();
  client.on('commandStarted', watch);
  const redis = openTestRedis();
  const store = createStore({
    db: client.db(t.dbName),
    redis,
    options: { channelPrefix: t.store.notify.prefix, ...options },
  });
  return {
    store,
    async close() {
      await store.close();
      redis.disconnect();
      await client.close();
    },
  };
}

/** A command a watched store's client sent: its name, the collection it names, its filter. */
export interface SentCommand {
  name: string;
  collection: string;
  filter: unknown;
}

/** A find, or the getMore that goes on with one. */
export const isFind = (c: SentCommand): boolean => c.name === 'find' || c.name === 'getMore';

/** `openSecondStore` noting every command its client sends; `take` hands them over. */
export async function openWatchedStore(
  t: Pick<TestStore, 'dbName' | 'store'>,
  options: StoreOptions = {},
): Promise<{
  store: Store;
  close(): Promise<void>;
  take(which?: (c: SentCommand) => boolean): SentCommand[];
}> {
  const sent: SentCommand[] = [];
  const second = await openSecondStore(
    t,
    (e) =>
      sent.push({
        name: e.commandName,
        collection: String(e.command[e.commandName]),
        filter: e.command.filter,
      }),
    options,
  );
  return {
    ...second,
    /** The commands sent since the last call that `which` picks, in order; all are forgotten. */
    take: (which = () => true) => sent.splice(0).filter(which),
  };
}

/** Runs a crash-test child process (`fixtures/*.ts`, which opens its store with
 * `fixtures/_child-store.ts`) on `t`'s database and Redis prefix; resolves with its exit code. */
export function runChild(
  fixture: string,
  t: Pick<TestStore, 'dbName' | 'store'>,
  env: Record<string, string>,
): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = fork(fixture, [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, CRASH_PREFIX: t.store.notify.prefix, CRASH_DB: t.dbName, ...env },
      stdio: 'inherit',
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
}

/** Waits until `check` holds, trying every 20 ms; what a caller checks is that something happens
 * (background work, another process catching up), not how fast: a loaded machine may take a while. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Reads every message of `raws` (UID → bytes) back through one pager, byte for byte. */
export async function readBack(store: Store, user: string, mailbox: string, raws: Map<number, Buffer>) {
  const pager = store.messages.pager(user, mailbox, [[1, 4294967295]]);
  for (const [uid, raw] of raws) {
    const m = await pager.open(uid);
    assert.ok(m, `uid ${uid} opens`);
    assert.deepEqual(await buffer(m.raw().stream), raw, `uid ${uid} byte for byte`);
  }
}

/** Collects an async iterable. */
export async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
