// Nestbox in the side-by-side bench: `nestbox serve` as a real process (IMAP, POP3, LMTP) on one
// back end with a fresh database, its users created and its large mailbox filled through the store,
// the only code here that knows the store's interface.
import { MongoClient } from 'mongodb';
import { Redis } from 'ioredis';
import { spawnServer, type ServerProcess } from '../../test/helpers/server-process.ts';
import { createStore, type Store } from '../../server/store/index.ts';
import type { Backend } from './backends.ts';
import { dropAndDisconnect } from '../teardown.ts';

export interface NestboxUser {
  name: string;
  password: string;
  address: string;
}

export interface Nestbox {
  ports: { imap: number; pop3: number; lmtp: number };
  pid: number;
  /** Fills `user`'s INBOX with `count` small messages; returns how many it holds. */
  fillInbox(
    user: string,
    count: number,
    make: (n: number) => Buffer,
    seen: (n: number) => boolean,
  ): Promise<number>;
  output(): string;
  stop(): Promise<void>;
}

/** Distinct messages added one by one before the mailbox is doubled by the store's COPY. */
const SEED_MESSAGES = 2000;
const SEED_WORKERS = 16;

export async function startNestbox(
  backend: Backend,
  users: NestboxUser[],
  bcryptRounds: number,
): Promise<Nestbox> {
  const dbName = `nbcmp_${Math.random().toString(36).slice(2, 10)}`;
  let srv: ServerProcess | null = null;
  const mongo = new MongoClient(backend.mongodbUri);
  const redis = new Redis(backend.redisUrl);
  let store: Store | null = null;
  const ids = new Map<string, string>();
  const stop = async () => {
    await srv?.stop();
    await store?.close().catch(() => undefined);
    await dropAndDisconnect(mongo, dbName, redis);
  };
  try {
    srv = spawnServer({
      MONGODB_URI: backend.mongodbUri,
      REDIS_URL: backend.redisUrl,
      NESTBOX_DB_NAME: dbName,
      NESTBOX_SERVICES: 'imap,pop3,lmtp',
      NESTBOX_LOG_LEVEL: 'warn',
    });
    const ports = await srv.ready(60_000);
    store = createStore({ db: mongo.db(dbName), redis, options: { bcryptRounds } });
    for (const u of users) {
      const created = await store.users.create({
        username: u.name,
        password: u.password,
        address: u.address,
      });
      ids.set(u.name, created.id);
    }
    const s = store;
    const server = srv;
    return {
      ports: { imap: ports.imap!, pop3: ports.pop3!, lmtp: ports.lmtp! },
      pid: server.child.pid!,
      output: () => server.output(),
      stop,
      async fillInbox(user, count, make, seen) {
        const id = ids.get(user)!;
        const inbox = (await s.mailboxes.get(id, 'INBOX'))!;
        const seed = Math.min(count, SEED_MESSAGES);
        let next = 0;
        await Promise.all(
          Array.from({ length: SEED_WORKERS }, async () => {
            while (next < seed) {
              const n = next++;
              await s.messages.add({
                user: id,
                mailbox: inbox.id,
                raw: make(n),
                flags: seen(n) ? ['\\Seen'] : [],
              });
            }
          }),
        );
        // doubling: each COPY takes the mailbox so far, or what is left to the target
        let have = seed;
        while (have < count) {
          const res = await s.messages.copy({
            user: id,
            mailbox: inbox.id,
            uids: [[1, Math.min(have, count - have)]],
            target: inbox.id,
          });
          if (res.map.length === 0) break;
          have += res.map.length;
        }
        return (await s.mailboxes.status(id, inbox.id)).messages;
      },
    };
  } catch (err) {
    const out = srv?.output() ?? '';
    await stop();
    throw new Error(`Nestbox did not start on ${backend.name}: ${(err as Error).message}\n${out}`);
  }
}
