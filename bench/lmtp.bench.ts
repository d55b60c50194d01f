// LMTP delivery rate with the SpamAssassin corpus against a real server process, at 1 and 8
// concurrent connections, and the server's resident memory while it runs. Prints figures only.
import { readFileSync } from 'node:fs';
import { MongoClient } from 'mongodb';
import { Redis } from 'ioredis';
import { createTransport } from 'nodemailer';
import { spawnServer } from '../test/helpers/server-process.ts';
import { createStore } from '../server/store/index.ts';
import { dropAndDisconnect } from './teardown.ts';
import { loadDeliveredCorpus } from './corpus.ts';

const PER_RUN = Number(process.env.BENCH_LMTP_MESSAGES ?? 600);

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

const dbName = `nbbench_${Math.random().toString(36).slice(2, 10)}`;
const srv = spawnServer({
  MONGODB_URI: process.env.MONGODB_URI,
  REDIS_URL: process.env.REDIS_URL,
  NESTBOX_DB_NAME: dbName,
  NESTBOX_SERVICES: 'lmtp',
  NESTBOX_LOG_LEVEL: 'warn',
});
const mongo = new MongoClient(process.env.MONGODB_URI!);
const redis = new Redis(process.env.REDIS_URL!);
try {
  const ports = await srv.ready();
  const store = createStore({ db: mongo.db(dbName), redis, options: { bcryptRounds: 4 } });
  const user = await store.users.create({
    username: 'bench',
    password: 'bench-pass',
    address: 'bench@example.test',
  });
  const corpus = loadDeliveredCorpus(PER_RUN * 2);
  const corpusBytes = corpus.reduce((a, m) => a + m.length, 0);
  console.log(
    `corpus: ${corpus.length} messages, ${(corpusBytes / corpus.length / 1024).toFixed(1)} KiB average`,
  );
  const pid = srv.child.pid!;
  let peak = rssMiB(pid);
  const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 100);

  for (const concurrency of [1, 8]) {
    const transport = createTransport({
      host: '127.0.0.1',
      port: ports.lmtp,
      lmtp: true,
      ignoreTLS: true,
      pool: true,
      maxConnections: concurrency,
      maxMessages: Infinity,
    });
    const batch = corpus.slice(concurrency === 1 ? 0 : PER_RUN, concurrency === 1 ? PER_RUN : PER_RUN * 2);
    let next = 0;
    let bytes = 0;
    let refused = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < batch.length) {
          const raw = batch[next++]!;
          const info = await transport.sendMail({
            envelope: { from: 'sender@remote.test', to: [user.address!] },
            raw,
          });
          if (info.accepted.length !== 1) refused++;
          bytes += raw.length;
        }
      }),
    );
    const secs = (performance.now() - t0) / 1000;
    transport.close();
    console.log(
      `lmtp: ${batch.length} messages, ${concurrency} connection(s): ${(batch.length / secs).toFixed(1)} msg/s, ` +
        `${(bytes / secs / 1048576).toFixed(2)} MB/s` +
        (refused ? `, ${refused} refused` : ''),
    );
  }
  clearInterval(sampler);
  console.log(`server RSS: ${rssMiB(pid).toFixed(0)} MiB now, ${peak.toFixed(0)} MiB peak while delivering`);
  await store.close();
} finally {
  await srv.stop();
  await dropAndDisconnect(mongo, dbName, redis);
}
