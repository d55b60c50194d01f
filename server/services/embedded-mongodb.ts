// Embedded MongoDB: a real mongod through mongodb-memory-server, persistent dbPath under the data
// folder, WiredTiger, single-node replica set (so majority write concern and journaling apply).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MongoMemoryReplSet } from 'mongodb-memory-server';
import { embeddedPort } from './embedded-ports.ts';
import { embeddedUnavailable, quietly } from './errors.ts';

export interface EmbeddedMongo {
  uri: string;
  stop(): Promise<void>;
}

export async function startEmbeddedMongo(
  dataDir: string,
  debug: (line: string) => void,
): Promise<EmbeddedMongo> {
  const dbPath = join(dataDir, 'mongodb');
  mkdirSync(dbPath, { recursive: true });
  let replSet: MongoMemoryReplSet;
  try {
    replSet = await quietly(
      async () =>
        MongoMemoryReplSet.create({
          replSet: { name: 'nestbox', count: 1, storageEngine: 'wiredTiger' },
          instanceOpts: [{ dbPath, port: await embeddedPort(dataDir, 'mongodb') }],
        }),
      debug,
    );
  } catch (err) {
    throw embeddedUnavailable('MongoDB', err);
  }
  return {
    uri: replSet.getUri(),
    async stop() {
      // keep dbPath: this is the user's mail
      await replSet.stop({ doCleanup: false, force: false });
    },
  };
}
