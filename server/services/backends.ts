// Connects the server to MongoDB and Redis: external (MONGODB_URI + REDIS_URL) or embedded
// (started here and stopped on close). On start: connect, ping, create indexes. Embedded back ends
// are started only under the data folder's lock (data-lock.ts), so two processes never run them
// on the same files.
import { mkdirSync } from 'node:fs';
import { MongoClient, type Db } from 'mongodb';
import { Redis } from 'ioredis';
import type { Config } from '../config/index.ts';
import type { Logger } from '../log/logger.ts';
import { BackendError } from './errors.ts';
import { acquireDataLock } from './data-lock.ts';

export interface Backends {
  /** 'external' when both back ends are external; otherwise at least one was started here. */
  mode: 'embedded' | 'external';
  embedded: { mongodb: boolean; redis: boolean };
  mongo: MongoClient;
  db: Db;
  redis: Redis;
  /** Opens another Redis connection (pub/sub needs its own). */
  newRedis(): Redis;
  /** 'ok' or the reason a back end does not answer. */
  health(): Promise<{ mongodb: string; redis: string }>;
  close(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 3000;

async function connectMongo(uri: string): Promise<MongoClient> {
  const client = new MongoClient(uri, {
    serverSelectionTimeoutMS: CONNECT_TIMEOUT_MS,
    connectTimeoutMS: CONNECT_TIMEOUT_MS,
    // durable acknowledgements everywhere unless a call asks for something else (docs/ARCHITECTURE.md §0)
    writeConcern: { w: 'majority', journal: true },
  });
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
  } catch (err) {
    await client.close().catch(() => undefined);
    throw new BackendError(`cannot reach MongoDB at ${redactUri(uri)}: ${(err as Error).message}`);
  }
  return client;
}

function redisClient(url: string, lazy = false): Redis {
  return new Redis(url, {
    lazyConnect: lazy,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 3,
    // keep retrying in the background so a restarted Redis is picked up again
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
}

async function connectRedis(url: string): Promise<Redis> {
  const redis = redisClient(url, true);
  redis.on('error', () => undefined); // reported through health() and command failures
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new BackendError(`cannot reach Redis at ${redactUri(url)}: ${(err as Error).message}`);
  }
  return redis;
}

export function redactUri(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, '//***@');
}

function dbNameFor(uri: string, fallback: string): string {
  const path = /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]+)/.exec(uri)?.[1];
  return path ? decodeURIComponent(path) : fallback;
}

/** `command` names the holder of the data folder's lock when a back end is embedded. */
export async function startBackends(config: Config, log: Logger, command = 'serve'): Promise<Backends> {
  const stops: Array<() => Promise<void>> = [];
  let mongoUri = config.mongodbUri;
  let redisUrl = config.redisUrl;
  const embedded = { mongodb: !mongoUri, redis: !redisUrl };
  const mode = mongoUri && redisUrl ? 'external' : 'embedded';
  if (embedded.redis || embedded.mongodb) {
    mkdirSync(config.dataDir, { recursive: true });
    const release = acquireDataLock(config.dataDir, command);
    stops.push(() => Promise.resolve(release()));
  }
  try {
    if (embedded.redis) {
      const { startEmbeddedRedis } = await import('./embedded-redis.ts');
      log.info('starting embedded Redis');
      const redis = await startEmbeddedRedis(config.dataDir, (line) => log.debug(line));
      stops.push(redis.stop);
      redisUrl = redis.url;
    }
    if (embedded.mongodb) {
      const { startEmbeddedMongo } = await import('./embedded-mongodb.ts');
      log.info('starting embedded MongoDB');
      const mongo = await startEmbeddedMongo(config.dataDir, (line) => log.debug(line));
      stops.push(mongo.stop);
      mongoUri = mongo.uri;
    }
    log.info({ mongodb: redactUri(mongoUri!) }, 'connecting to MongoDB');
    const mongo = await connectMongo(mongoUri!);
    stops.push(() => mongo.close());
    const redis = await connectRedis(redisUrl!);
    stops.push(async () => {
      await redis.quit().catch(() => redis.disconnect());
    });
    const db = mongo.db(dbNameFor(mongoUri!, config.dbName));
    log.info(
      { mode, mongodb: redactUri(mongoUri!), redis: redactUri(redisUrl!), db: db.databaseName },
      'back ends ready',
    );
    const extraRedis: Redis[] = [];
    return {
      mode,
      embedded,
      mongo,
      db,
      redis,
      newRedis() {
        const r = redisClient(redisUrl!);
        r.on('error', () => undefined);
        extraRedis.push(r);
        return r;
      },
      async health() {
        const check = async (fn: () => Promise<unknown>) => {
          try {
            await withTimeout(fn(), 2000);
            return 'ok';
          } catch (err) {
            return (err as Error).message || 'error';
          }
        };
        const [m, r] = await Promise.all([
          check(() => db.command({ ping: 1 })),
          check(() =>
            redis.status === 'ready' ? redis.ping() : Promise.reject(new Error(`connection ${redis.status}`)),
          ),
        ]);
        return { mongodb: m, redis: r };
      },
      async close() {
        for (const r of extraRedis) r.disconnect();
        await runStops(stops);
      },
    };
  } catch (err) {
    await runStops(stops);
    throw err;
  }
}

async function runStops(stops: Array<() => Promise<void>>): Promise<void> {
  for (const stop of stops.reverse()) {
    await stop().catch(() => undefined);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
