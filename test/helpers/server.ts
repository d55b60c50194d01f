// Starts a real Nestbox server in-process against the suite's FerretDB + Redis, on free loopback
// ports, with its own database and data folder. For protocol tests that talk over real sockets.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, type Db } from 'mongodb';
import { loadConfig, type ServiceName } from '../../server/config/index.ts';
import { createLogging } from '../../server/log/logger.ts';
import { startServer, type RunningServer, type StartOptions } from '../../server/server.ts';
import type { Store } from '../../server/store/index.ts';
import { testEnv, uniqueName } from './backends.ts';

export interface TestServer {
  server: RunningServer;
  store: Store;
  /** Bound ports by listener name: imap, imaps, pop3, pop3s, lmtp, api. */
  ports: Record<string, number>;
  dataDir: string;
  dbName: string;
  adminToken: string;
  /** The server's database, for tests that must put data where the store never would. */
  db: Db;
  stop(): Promise<void>;
}

export async function startTestServer(
  opts: {
    services?: ServiceName[];
    env?: Record<string, string>;
    dbName?: string;
    /** Smaller login and connection limits for the tests of those limits. */
    limits?: Pick<StartOptions, 'rateLimit' | 'connectionLimits'>;
  } = {},
): Promise<TestServer> {
  const { mongodbUri, redisUrl } = testEnv();
  const dataDir = mkdtempSync(join(tmpdir(), 'nestbox-it-'));
  const dbName = opts.dbName ?? uniqueName('nbi');
  const config = loadConfig({
    env: {
      NESTBOX_DATA_DIR: dataDir,
      MONGODB_URI: mongodbUri,
      REDIS_URL: redisUrl,
      NESTBOX_DB_NAME: dbName,
      NESTBOX_SERVICES: (opts.services ?? ['imap', 'pop3', 'lmtp', 'api']).join(','),
      NESTBOX_HOST: '127.0.0.1',
      NESTBOX_API_HOST: '127.0.0.1',
      NESTBOX_IMAP_PORT: '0',
      NESTBOX_IMAPS_PORT: '0',
      NESTBOX_POP3_PORT: '0',
      NESTBOX_POP3S_PORT: '0',
      NESTBOX_LMTP_PORT: '0',
      NESTBOX_API_PORT: '0',
      NESTBOX_ADMIN_TOKEN: 'test-admin-token-0123456789',
      NESTBOX_LOG_LEVEL: process.env.NESTBOX_TEST_LOG_LEVEL ?? 'warn',
      ...opts.env,
    },
  });
  const logging = await createLogging({
    level: config.logLevel,
    console: process.env.NESTBOX_TEST_LOG_LEVEL ? 'json' : 'off',
  });
  const server = await startServer(config, { logging, ...opts.limits });
  const direct = new MongoClient(mongodbUri); // connects on first use
  return {
    server,
    store: server.ctx.store,
    ports: server.ports,
    dataDir,
    dbName,
    adminToken: server.ctx.adminToken,
    db: direct.db(dbName),
    async stop() {
      await server.stop();
      await direct
        .db(dbName)
        .dropDatabase()
        .catch(() => undefined);
      await direct.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
