// Oversized DATA is counted and thrown away, never held: 16 connections each send 70 MB at once
// against the default 64 MiB limit, every recipient gets 552 5.3.4, and the server process (a
// child, so only its memory is measured) keeps its RSS: under 50 MB more after the burst, once its
// garbage is collected. The peak during the burst is printed; it also holds what V8 has not
// collected yet, socket reads included.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spawnServer, type ServerProcess } from '../helpers/server-process.ts';
import { testEnv } from '../helpers/backends.ts';
import { lmtpTalk } from './_util.ts';

const MB = 1_000_000;
const CONNECTIONS = 16;
const ADMIN = 'oversize-admin-token-0123456789';
const GC_PRELOAD = fileURLToPath(new URL('../helpers/gc-on-signal.mjs', import.meta.url));
let srv: ServerProcess | undefined;
after(() => srv?.cleanup());

/** Resident set size of a process in bytes (Linux). */
function rss(pid: number): number {
  const line = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!line) throw new Error('no VmRSS');
  return Number(line[1]) * 1024;
}

/** RSS of the server after a full garbage collection in it. */
async function rssCollected(s: ServerProcess): Promise<number> {
  const count = () => s.output().split('gc-done\n').length;
  const before = count();
  s.child.kill('SIGUSR2');
  for (let i = 0; count() === before; i++) {
    if (i > 200) throw new Error('the server did not collect its garbage');
    await new Promise((r) => setTimeout(r, 25));
  }
  await new Promise((r) => setTimeout(r, 200));
  return rss(s.child.pid!);
}

const mb = (n: number) => `${(n / MB).toFixed(1)} MB`;

test(
  '16 × 70 MB of DATA over the 64 MiB limit: 552 5.3.4 each, server RSS grows < 50 MB',
  { timeout: 300_000 },
  async () => {
    const { mongodbUri, redisUrl } = testEnv();
    srv = spawnServer({
      MONGODB_URI: mongodbUri,
      REDIS_URL: redisUrl,
      NESTBOX_SERVICES: 'lmtp,api',
      NESTBOX_ADMIN_TOKEN: ADMIN,
      NESTBOX_LOG_LEVEL: 'warn',
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${GC_PRELOAD}`.trim(),
    });
    const ports = await srv.ready();
    const pid = srv.child.pid!;
    const created = await fetch(`http://127.0.0.1:${ports.api}/users`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Access-Token': ADMIN },
      body: JSON.stringify({ username: 'big', password: 'big-secret-pass', address: 'big@example.test' }),
    });
    assert.equal(created.status, 200);

    const envelope = 'LHLO mta.test\r\nMAIL FROM:<a@remote.test>\r\nRCPT TO:<big@example.test>\r\nDATA\r\n';
    const done = (l: string[]) => l.some((x) => x.startsWith('221'));
    // warm up: one small delivery loads every code path the big ones take
    const small = await lmtpTalk(ports.lmtp!, `${envelope}Subject: warm\r\n\r\nhi\r\n.\r\nQUIT\r\n`, done);
    assert.ok(small.some((l) => /^250 2\.6\.0 /.test(l)));
    const base = await rssCollected(srv);

    const line = 'x'.repeat(98) + '\r\n';
    const body = Buffer.from(line.repeat(Math.ceil((70 * MB) / line.length)));
    let peak = base;
    const sampler = setInterval(() => (peak = Math.max(peak, rss(pid))), 50);
    try {
      const results = await Promise.all(
        Array.from({ length: CONNECTIONS }, () =>
          lmtpTalk(
            ports.lmtp!,
            [Buffer.from(envelope + 'Subject: huge\r\n\r\n'), body, Buffer.from('.\r\nQUIT\r\n')],
            done,
            240_000,
          ),
        ),
      );
      for (const lines of results)
        assert.ok(
          lines.some((l) => /^552 5\.3\.4 /.test(l)),
          lines.join('\n'),
        );
    } finally {
      clearInterval(sampler);
    }
    const afterwards = await rssCollected(srv);
    console.log(`# server RSS: before ${mb(base)}, peak ${mb(peak)}, after ${mb(afterwards)}`);
    assert.ok(afterwards - base < 50 * MB, `RSS grew by ${mb(afterwards - base)} (peak ${mb(peak - base)})`);
  },
);
