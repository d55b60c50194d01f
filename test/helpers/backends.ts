// Per-test-file connections to the suite's FerretDB and Redis (see test/run.ts).
// Each caller gets its own database name so test files never see each other's data.
import { randomBytes } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import { Redis } from 'ioredis';

export function testEnv(): { mongodbUri: string; redisUrl: string } {
  const mongodbUri = process.env.MONGODB_URI;
  const redisUrl = process.env.REDIS_URL;
  if (!mongodbUri || !redisUrl) {
    throw new Error('MONGODB_URI and REDIS_URL are not set: run tests through `npm test` (test/run.ts)');
  }
  return { mongodbUri, redisUrl };
}

export function uniqueName(prefix = 't'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

export interface TestDb {
  client: MongoClient;
  db: Db;
  dbName: string;
  close(): Promise<void>;
}

export async function openTestDb(): Promise<TestDb> {
  const { mongodbUri } = testEnv();
  const client = new MongoClient(mongodbUri);
  await client.connect();
  const dbName = uniqueName('nbt');
  const db = client.db(dbName);
  return {
    client,
    db,
    dbName,
    async close() {
      await db.dropDatabase().catch(() => undefined);
      await client.close();
    },
  };
}

export function openTestRedis(): Redis {
  return new Redis(testEnv().redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 });
}
