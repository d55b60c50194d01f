// Oversized DATA is counted and thrown away, never held: 16 connections each send 70 MB against the
// default 64 MiB limit at once, and the server process (a child, so only its memory is measured)
// grows by less than 50 MB while every recipient gets 552 5.3.4.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnServer, type ServerProcess } from '../helpers/server-process.ts';
import { testEnv } from '../helpers/backends.ts';
import { lmtpTalk } from './_util.ts';

const MB = 1_000_000;
const CONNECTIONS = 16;
const ADMIN = 'oversize-admin-token-0123456789';
let srv: ServerProcess | undefined;
after(() => srv?.cleanup());

/** Resident set size of a process in bytes (Linux). */
function rss(pid: number): number {
  const line = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!line) throw new Error('no VmRSS');
  return Number(line[1]) * 1024;
}

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
    await new Promise((r) => setTimeout(r, 1000));
    const base = rss(pid);

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
    peak = Math.max(peak, rss(pid));
    const growth = peak - base;
    console.log(
      `# server RSS: base ${(base / MB).toFixed(1)} MB, peak ${(peak / MB).toFixed(1)} MB, growth ${(growth / MB).toFixed(1)} MB`,
    );
    assert.ok(growth < 50 * MB, `RSS grew by ${(growth / MB).toFixed(1)} MB`);
  },
);
