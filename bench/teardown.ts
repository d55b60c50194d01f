// The end of every bench run, whatever state it ended in: its database dropped, its clients closed.
import type { MongoClient } from 'mongodb';
import type { Redis } from 'ioredis';

export async function dropAndDisconnect(mongo: MongoClient, dbName: string, redis: Redis): Promise<void> {
  await mongo
    .db(dbName)
    .dropDatabase()
    .catch(() => undefined);
  await mongo.close().catch(() => undefined);
  redis.disconnect();
}
