// Connects the server to MongoDB and Redis: external (MONGODB_URI + REDIS_URL) or embedded
// (started here and stopped on close). On start: connect and ping; the MongoDB connection is
// opened by the store (store/connect.ts), which is the only door to it. Embedded back ends
// are started only under the data folder's lock (data-lock.ts), so two processes never run them
// on the same files.
import { mkdirSync } from 'node:fs';
import { Redis } from 'ioredis';
import type { Config } from '../config/index.ts';
import type { Logger } from '../log/logger.ts';
import { connectDatabase, type Database } from '../store/connect.ts';
import { BackendError } from './errors.ts';
import { acquireDataLock } from './data-lock.ts';

export interface Backends {
  /** 'external' when both back ends are external; otherwise at least one was started here. */
  mode: 'embedded' | 'external';
  embedded: { mongodb: boolean; redis: boolean };
  /** MongoDB, for `createStore` only. */
  database: Database;
  redis: Redis;
  /** Opens another Redis connection (pub/sub needs its own). */
  newRedis(): Redis;
  /** 'ok' or the reason a back end does not answer. */
  health(): Promise<{ mongodb: string; redis: string }>;
  close(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 3000;

async function connectMongo(uri: string, dbName: string): Promise<Database> {
  try {
    return await connectDatabase(uri, dbName, { timeoutMs: CONNECT_TIMEOUT_MS });
  } catch (err) {
    throw new BackendError(`cannot reach MongoDB at ${redactUri(uri)}: ${(err as Error).message}`);
  }
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
    const database = await connectMongo(mongoUri!, config.dbName);
    stops.push(() => database.close());
    const redis = await connectRedis(redisUrl!);
    stops.push(async () => {
      await redis.quit().catch(() => redis.disconnect());
    });
    log.info(
      { mode, mongodb: redactUri(mongoUri!), redis: redactUri(redisUrl!), db: database.name },
      'back ends ready',
    );
    const extraRedis: Redis[] = [];
    return {
      mode,
      embedded,
      database,
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
          check(() => database.ping()),
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
