// Opens a store on a fresh test database and Redis; close() drops the database.
import type { Db } from 'mongodb';
import type { Redis } from 'ioredis';
import { openTestDb, openTestRedis, uniqueName } from '../helpers/backends.ts';
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

/** Collects an async iterable. */
export async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
