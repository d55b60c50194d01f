// POP3 on a 10 000-message maildrop (SpamAssassin corpus, cycled) against a real server process:
// login with the maildrop listing, LIST, UIDL, then RETR of messages spread over the whole maildrop
// with 16 commands pipelined; server resident memory sampled throughout. Prints figures only.
// BENCH_POP3_RETR (default 500) bounds the RETR sample, spread over the whole maildrop.
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { MongoClient } from 'mongodb';
import { Redis } from 'ioredis';
import { spawnServer } from '../test/helpers/server-process.ts';
import { createStore } from '../server/store/index.ts';
import { dropAndDisconnect } from './teardown.ts';
import { loadDeliveredCorpus } from './corpus.ts';
import { Reader } from './compare/line-client.ts';

const COUNT = Number(process.env.BENCH_POP3_MESSAGES ?? 10000);
const RETR = Math.min(COUNT, Number(process.env.BENCH_POP3_RETR ?? 500));
const WINDOW = 16;
const BIG_MB = Number(process.env.BENCH_POP3_BIG_MB ?? 20);
function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

const dbName = `nbbench_${Math.random().toString(36).slice(2, 10)}`;
const mongo = new MongoClient(process.env.MONGODB_URI!, { writeConcern: { w: 'majority', journal: true } });
const redis = new Redis(process.env.REDIS_URL!);
const srv = spawnServer({
  MONGODB_URI: process.env.MONGODB_URI,
  REDIS_URL: process.env.REDIS_URL,
  NESTBOX_DB_NAME: dbName,
  NESTBOX_SERVICES: 'pop3',
  NESTBOX_LOG_LEVEL: 'warn',
});
try {
  const ports = await srv.ready();
  const store = createStore({ db: mongo.db(dbName), redis, options: { bcryptRounds: 4 } });
  const user = await store.users.create({ username: 'popbench', password: 'bench-pass' });
  const inbox = (await store.mailboxes.get(user.id, 'INBOX'))!;
  const corpus = loadDeliveredCorpus();
  let filled = 0;
  const tf = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (filled < COUNT) {
        const raw = corpus[filled++ % corpus.length]!;
        await store.messages.add({ user: user.id, mailbox: inbox.id, raw });
      }
    }),
  );
  console.log(
    `filled ${COUNT} messages through the store in ${((performance.now() - tf) / 1000).toFixed(0)} s`,
  );

  const pid = srv.child.pid!;
  const idle = rssMiB(pid);
  let peak = idle;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 50);
  const sock = connect(ports.pop3!, '127.0.0.1');
  const r = new Reader(sock, 600_000);
  await r.line();
  let t0 = performance.now();
  sock.write('USER popbench\r\nPASS bench-pass\r\n');
  await r.line();
  const login = await r.line();
  console.log(`login + maildrop listing: ${(performance.now() - t0).toFixed(0)} ms (${login})`);
  t0 = performance.now();
  sock.write('LIST\r\n');
  await r.line();
  await r.body();
  sock.write('UIDL\r\n');
  await r.line();
  await r.body();
  console.log(`LIST + UIDL of ${COUNT}: ${(performance.now() - t0).toFixed(0)} ms`);

  t0 = performance.now();
  let sent = 0;
  let bytes = 0;
  // message numbers spread evenly over the maildrop
  const pick = (i: number) => 1 + Math.floor((i * COUNT) / RETR);
  const send = () => {
    while (sent < RETR && sent - done < WINDOW) sock.write(`RETR ${pick(sent++)}\r\n`);
  };
  let done = 0;
  send();
  while (done < RETR) {
    const status = await r.line();
    if (!status.startsWith('+OK')) throw new Error(status);
    bytes += await r.body();
    done++;
    send();
  }
  const secs = (performance.now() - t0) / 1000;
  sock.write('QUIT\r\n');
  await r.line();
  clearInterval(sampler);
  console.log(
    `pop3 RETR: ${RETR} of ${COUNT} messages, ${(bytes / 1048576).toFixed(1)} MB in ${secs.toFixed(1)} s: ` +
      `${(bytes / secs / 1048576).toFixed(2)} MB/s, ${(RETR / secs).toFixed(1)} msg/s`,
  );
  console.log(
    `server RSS: ${idle.toFixed(0)} MiB before login, ${peak.toFixed(0)} MiB peak during the session`,
  );
  sock.destroy();

  // streaming rate of the POP3 path itself: one large message, so one store lookup
  const big = await store.users.create({ username: 'popbig', password: 'bench-pass' });
  const bigInbox = (await store.mailboxes.get(big.id, 'INBOX'))!;
  const line = 'x'.repeat(76) + '\r\n';
  const bigRaw = Buffer.from(
    'Subject: big\r\n\r\n' + line.repeat(Math.ceil((BIG_MB * 1048576) / line.length)),
  );
  await store.messages.add({ user: big.id, mailbox: bigInbox.id, raw: bigRaw });
  const s2 = connect(ports.pop3!, '127.0.0.1');
  const r2 = new Reader(s2, 600_000);
  await r2.line();
  s2.write('USER popbig\r\nPASS bench-pass\r\n');
  await r2.line();
  await r2.line();
  const rss0 = rssMiB(pid);
  let bigPeak = rss0;
  const sampler2 = setInterval(() => (bigPeak = Math.max(bigPeak, rssMiB(pid))), 20);
  const tb = performance.now();
  s2.write('RETR 1\r\n');
  await r2.line();
  const got = await r2.body();
  const bsecs = (performance.now() - tb) / 1000;
  clearInterval(sampler2);
  console.log(
    `pop3 RETR of one ${(got / 1048576).toFixed(0)} MB message: ${(got / bsecs / 1048576).toFixed(1)} MB/s ` +
      `(server RSS ${rss0.toFixed(0)} -> ${bigPeak.toFixed(0)} MiB peak)`,
  );
  s2.destroy();
  // the same read straight from the store in this process, for comparison
  const ts = performance.now();
  const direct = await store.messages.openRaw(bigInbox.user, bigInbox.id, 1);
  let directBytes = 0;
  for await (const c of direct!.stream as AsyncIterable<Buffer>) directBytes += c.length;
  const dsecs = (performance.now() - ts) / 1000;
  console.log(
    `store openRaw of the same message, no POP3: ${(directBytes / dsecs / 1048576).toFixed(1)} MB/s`,
  );
  await store.close();
} finally {
  await srv.stop();
  await dropAndDisconnect(mongo, dbName, redis);
}
