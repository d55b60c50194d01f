// Opens the MongoDB database the store works on. The only place the server creates a MongoClient:
// everything else holds the opaque `Database` and gives it to `createStore` (docs/ARCHITECTURE.md §1).
import { MongoClient, type Db } from 'mongodb';

/** An open connection to the store's database; only the store reaches the database behind it. */
export interface Database {
  /** The database's name (the URI's path, else the configured name). */
  readonly name: string;
  /** Resolves once the server answers a ping. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

const opened = new WeakMap<Database, Db>();

/** The driver's Db behind `database`; for the store's own wiring only. */
export function dbOf(database: Database): Db {
  const db = opened.get(database);
  if (!db) throw new Error('not a database opened by connectDatabase');
  return db;
}

/** The database a URI names in its path, else `fallback`. */
export function databaseNameFor(uri: string, fallback: string): string {
  const path = /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]+)/.exec(uri)?.[1];
  return path ? decodeURIComponent(path) : fallback;
}

/**
 * Connects and pings; a server that does not answer within `timeoutMs` rejects with the driver's
 * error. Writes default to majority + journal: acknowledged means durable (docs/ARCHITECTURE.md §0).
 */
export async function connectDatabase(
  uri: string,
  fallbackName: string,
  opts: { timeoutMs: number },
): Promise<Database> {
  const client = new MongoClient(uri, {
    serverSelectionTimeoutMS: opts.timeoutMs,
    connectTimeoutMS: opts.timeoutMs,
    writeConcern: { w: 'majority', journal: true },
  });
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
  } catch (err) {
    await client.close().catch(() => undefined);
    throw err;
  }
  const db = client.db(databaseNameFor(uri, fallbackName));
  const database: Database = {
    name: db.databaseName,
    async ping() {
      await db.command({ ping: 1 });
    },
    close: () => client.close(),
  };
  opened.set(database, db);
  return database;
}
