// IMAP figures against a real server process (FerretDB + Redis behind it): SELECT and
// UID FETCH 1:* (UID FLAGS) on a large mailbox, APPEND messages/s, memory per idle connection.
// Prints figures; never fails on a number. The large mailbox gets IMAP_BENCH_SEED_MESSAGES
// (default 2 000) distinct messages through the store, then is doubled with the store's COPY
// until it holds IMAP_BENCH_MESSAGES (default 100 000); both rates are printed.
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { MongoClient } from 'mongodb';
import { Redis } from 'ioredis';
import { spawnServer } from '../test/helpers/server-process.ts';
import { createStore } from '../server/store/index.ts';
import { dropAndDisconnect } from './teardown.ts';

const TARGET = Number(process.env.IMAP_BENCH_MESSAGES ?? 100_000);
/** Distinct messages added one by one through the store before the mailbox is doubled by COPY. */
const SEED_MESSAGES = Number(process.env.IMAP_BENCH_SEED_MESSAGES ?? 2000);
const IDLE_CONNECTIONS = 1000;

/** A minimal client: sends a command and counts the bytes up to its tagged reply. */
class Conn {
  private waiting: { tag: string; resolve: (r: { bytes: number; last: string }) => void } | null = null;
  private bytes = 0;
  private tail = '';
  constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.bytes += d.length;
      this.tail = (this.tail + d.toString('latin1')).slice(-512);
      const w = this.waiting;
      if (!w) return;
      const m = new RegExp(`(?:^|\\r\\n)(${w.tag} (?:OK|NO|BAD)[^\\r\\n]*)\\r\\n$`).exec(this.tail);
      if (m) {
        this.waiting = null;
        w.resolve({ bytes: this.bytes, last: m[1]! });
      }
    });
  }

  static async open(port: number, localAddress?: string): Promise<Conn> {
    const socket = connect({ port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) });
    const greeting = await new Promise<string>((resolve, reject) => {
      socket.once('data', (d: Buffer) => resolve(d.toString('latin1')));
      socket.once('error', reject);
    });
    if (greeting.startsWith('* BYE')) throw new Error(`connection refused: ${greeting.trim()}`);
    return new Conn(socket);
  }

  command(tag: string, text: string | Buffer): Promise<{ bytes: number; last: string }> {
    this.bytes = 0;
    this.tail = '';
    const done = new Promise<{ bytes: number; last: string }>((resolve) => (this.waiting = { tag, resolve }));
    this.socket.write(typeof text === 'string' ? `${tag} ${text}\r\n` : text);
    return done;
  }
}

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, performance.now() - t0];
}

const mongodbUri = process.env.MONGODB_URI!;
const redisUrl = process.env.REDIS_URL!;
const dbName = `nbbench_${Math.random().toString(36).slice(2, 10)}`;
const srv = spawnServer({
  MONGODB_URI: mongodbUri,
  REDIS_URL: redisUrl,
  NESTBOX_DB_NAME: dbName,
  NESTBOX_SERVICES: 'imap',
  NESTBOX_LOG_LEVEL: 'warn',
});
const mongo = new MongoClient(mongodbUri);
const redis = new Redis(redisUrl);
const store = createStore({ db: mongo.db(dbName), redis, options: { bcryptRounds: 4 } });
const sockets: Socket[] = [];
try {
  const ports = await srv.ready();
  const port = ports.imap!;
  const password = 'bench-password';
  const user = await store.users.create({ username: 'bench', password, address: 'bench@example.test' });
  const big = await store.mailboxes.create(user.id, 'Big');

  // -- a large mailbox: distinct messages added through the store, then doubled with its COPY
  let inserted = 0;
  const t0 = performance.now();
  const workers = 16;
  const seed = Math.min(TARGET, SEED_MESSAGES);
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (inserted < seed) {
        const n = inserted++;
        const raw = Buffer.from(
          `From: sender${n % 97}@example.test\r\nTo: bench@example.test\r\nSubject: message ${n}\r\n` +
            `Message-ID: <m${n}@example.test>\r\n\r\nBody of message ${n}.\r\n`,
        );
        await store.messages.add({ user: user.id, mailbox: big.id, raw, flags: n % 3 ? ['\\Seen'] : [] });
      }
    }),
  );
  const addSecs = (performance.now() - t0) / 1000;
  console.log(
    `large mailbox: ${seed} distinct messages added through the store in ${addSecs.toFixed(0)} s ` +
      `(${(seed / addSecs).toFixed(1)} msg/s, ${workers} parallel)`,
  );
  // doubling: each COPY takes the whole mailbox so far (or what is left to the target)
  let count = seed;
  const tc = performance.now();
  while (count < TARGET) {
    const res = await store.messages.copy({
      user: user.id,
      mailbox: big.id,
      uids: [[1, Math.min(count, TARGET - count)]],
      target: big.id,
    });
    if (res.map.length === 0) break;
    count += res.map.length;
  }
  const copySecs = (performance.now() - tc) / 1000;
  console.log(
    `store COPY within the mailbox: ${count - seed} messages in ${copySecs.toFixed(0)} s ` +
      `(${((count - seed) / copySecs).toFixed(1)} msg/s)`,
  );
  const status = await store.mailboxes.status(user.id, big.id);
  console.log(`large mailbox: ${status.messages} messages, UIDNEXT ${status.uidNext}`);
  count = status.messages;

  const c = await Conn.open(port);
  await c.command('l', `LOGIN bench ${password}`);
  // server memory while it answers SELECT and UID FETCH on the large mailbox
  const serverPid = srv.child.pid!;
  const rssIdle = rssOf(serverPid);
  let rssPeak = rssIdle;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssOf(serverPid))), 50);
  for (let i = 0; i < 3; i++) {
    const [, ms] = await timed(() => c.command(`s${i}`, 'SELECT Big'));
    console.log(`SELECT Big (${count} messages): ${ms.toFixed(0)} ms`);
  }
  for (let i = 0; i < 2; i++) {
    const [r, ms] = await timed(() => c.command(`f${i}`, 'UID FETCH 1:* (UID FLAGS)'));
    console.log(
      `UID FETCH 1:* (UID FLAGS): ${ms.toFixed(0)} ms, ${((count / ms) * 1000).toFixed(0)} msg/s, ` +
        `${(r.bytes / 1024 / 1024 / (ms / 1000)).toFixed(1)} MB/s (${r.last})`,
    );
  }
  clearInterval(sampler);
  console.log(
    `server RSS: ${(rssIdle / 1048576).toFixed(0)} MB before SELECT, ` +
      `${(rssPeak / 1048576).toFixed(0)} MB peak during SELECT and UID FETCH`,
  );
  c.socket.destroy();
  // the same reads made on the store directly: what of the above is the database's share
  const [, listMs] = await timed(() => store.messages.listUids(big.user, big.id));
  const [, unseenMs] = await timed(() =>
    store.messages.search(big.user, big.id, { type: 'flag', flag: '\\Seen', set: false }),
  );
  const [, flagsMs] = await timed(async () => {
    for await (const m of store.messages.fetch(big.user, big.id, [[1, 2 ** 32 - 1]], ['flags'])) void m;
  });
  console.log(
    `store directly: listUids ${listMs.toFixed(0)} ms, search UNSEEN ${unseenMs.toFixed(0)} ms, ` +
      `fetch(flags) of all ${flagsMs.toFixed(0)} ms`,
  );

  // -- APPEND throughput: 4 connections, 2 KB messages, LITERAL+
  const appendConns = await Promise.all(Array.from({ length: 4 }, () => Conn.open(port)));
  await Promise.all(appendConns.map((a, i) => a.command(`l${i}`, `LOGIN bench ${password}`)));
  await appendConns[0]!.command('c', 'CREATE Appended');
  const body = 'x'.repeat(2000);
  const perConn = 100;
  const [, appendMs] = await timed(() =>
    Promise.all(
      appendConns.map(async (a, i) => {
        for (let k = 0; k < perConn; k++) {
          const msg = `Subject: append ${i}-${k}\r\n\r\n${body}\r\n`;
          await a.command(`a${k}`, Buffer.from(`a${k} APPEND Appended {${msg.length}+}\r\n${msg}\r\n`));
        }
      }),
    ),
  );
  const appended = appendConns.length * perConn;
  console.log(
    `APPEND: ${appended} messages of 2 KB over 4 connections: ${((appended / appendMs) * 1000).toFixed(0)} msg/s`,
  );
  for (const a of appendConns) a.socket.destroy();

  // -- memory per idle connection: logged in, then nothing
  await new Promise((r) => setTimeout(r, 1000));
  const pid = srv.child.pid!;
  const rssBefore = rssOf(pid);
  let opened = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (opened < IDLE_CONNECTIONS) {
        // 40 from each loopback address: the server takes at most IMAP_MAX_CONNECTIONS_PER_IP
        // (server/limits.ts) from one client address
        const from = `127.8.0.${Math.floor(opened / 40) + 1}`;
        opened++;
        const conn = await Conn.open(port, from);
        await conn.command('l', `LOGIN bench ${password}`);
        sockets.push(conn.socket);
      }
    }),
  );
  await new Promise((r) => setTimeout(r, 3000));
  const rssAfter = rssOf(pid);
  console.log(
    `idle connections: ${sockets.length}, server RSS ${(rssBefore / 1048576).toFixed(0)} MB → ` +
      `${(rssAfter / 1048576).toFixed(0)} MB: ${((rssAfter - rssBefore) / sockets.length / 1024).toFixed(1)} KB per connection`,
  );
} finally {
  for (const s of sockets) s.destroy();
  await srv.stop();
  await store.close();
  await dropAndDisconnect(mongo, dbName, redis);
}
