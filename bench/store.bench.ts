// Mail store over the SpamAssassin corpus: parse-only and parse+store messages/s and MB/s,
// rebuild (raw stream out of MongoDB/GridFS) MB/s, peak RSS. BENCH_STORE_LIMIT caps the count.
import { MongoClient } from 'mongodb';
import { Redis } from 'ioredis';
import { createStore } from '../server/store/index.ts';
import { parseMessage } from '../server/mime/index.ts';
import { loadCorpus, mb } from './corpus.ts';

const limit = Number(process.env.BENCH_STORE_LIMIT ?? Infinity);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 4);
const messages = loadCorpus(limit);
const totalBytes = messages.reduce((n, m) => n + m.length, 0);
console.log(`corpus: ${messages.length} messages, ${mb(totalBytes)} MB`);

let t0 = performance.now();
for (const raw of messages) parseMessage(raw);
let secs = (performance.now() - t0) / 1000;
console.log(`parse only: ${(messages.length / secs).toFixed(0)} msg/s, ${mb(totalBytes / secs)} MB/s`);

const client = new MongoClient(process.env.MONGODB_URI!);
await client.connect();
const db = client.db(`nbbench_${Date.now().toString(36)}`);
const redis = new Redis(process.env.REDIS_URL!);
const store = createStore({ db, redis, options: { bcryptRounds: 4, channelPrefix: `nbbench${Date.now()}` } });
try {
  await store.ensureIndexes();
  const user = await store.users.create({ username: 'bench', password: 'bench-password' });
  const inbox = (await store.mailboxes.get(user.id, 'INBOX'))!;
  let next = 0;
  t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < messages.length) {
        const raw = messages[next++]!;
        await store.messages.add({ user: user.id, mailbox: inbox.id, raw });
      }
    }),
  );
  secs = (performance.now() - t0) / 1000;
  console.log(
    `parse+store (${concurrency} in parallel): ${(messages.length / secs).toFixed(1)} msg/s, ${mb(totalBytes / secs)} MB/s`,
  );

  const uids = await store.messages.listUids(inbox.user, inbox.id);
  let out = 0;
  t0 = performance.now();
  for (const uid of uids) {
    const content = (await store.messages.openRaw(inbox.user, inbox.id, uid))!;
    for await (const chunk of content.stream) out += (chunk as Buffer).length;
  }
  secs = (performance.now() - t0) / 1000;
  console.log(`rebuild (raw stream out): ${(uids.length / secs).toFixed(0)} msg/s, ${mb(out / secs)} MB/s`);
  if (out !== totalBytes) console.log(`note: ${out} bytes out for ${totalBytes} in`);
} finally {
  await store.close();
  await db.dropDatabase().catch(() => undefined);
  await client.close();
  redis.disconnect();
}
console.log(`peak RSS: ${mb(process.resourceUsage().maxRSS * 1024)} MB`);
