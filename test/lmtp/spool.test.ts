// DATA reading: small messages stay in memory, larger ones pass through a spool file that is gone
// afterwards, and a message past the limit is counted to its end and nothing of it is kept.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { resetSpool, spoolData } from '../../server/lmtp/spool.ts';

const dir = mkdtempSync(join(tmpdir(), 'nestbox-spool-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const chunked = (buf: Buffer, size = 64 * 1024) =>
  Readable.from(
    Array.from({ length: Math.ceil(buf.length / size) }, (_, i) => buf.subarray(i * size, (i + 1) * size)),
  );

test('a message below, across and past the in-memory threshold comes back exactly, no file left', async () => {
  await resetSpool(dir);
  for (const len of [10, 100_000, 1_000_000]) {
    const msg = randomBytes(len);
    const got = await spoolData(chunked(msg), { max: 2_000_000, inMemory: 256 * 1024, dir });
    assert.equal(got.size, len);
    assert.ok(got.data && got.data.equals(msg), `${len} bytes`);
    assert.deepEqual(readdirSync(dir), []);
  }
});

test('past the limit every byte is counted, nothing is returned and no file is left', async () => {
  const msg = randomBytes(3_000_000);
  const got = await spoolData(chunked(msg), { max: 1_000_000, inMemory: 256 * 1024, dir });
  assert.equal(got.size, 3_000_000);
  assert.equal(got.data, null);
  assert.deepEqual(readdirSync(dir), []);
});

test('a stream that fails midway leaves no file behind', async () => {
  async function* broken() {
    yield randomBytes(600_000);
    throw new Error('connection closed');
  }
  await assert.rejects(
    spoolData(broken(), { max: 2_000_000, inMemory: 256 * 1024, dir }),
    /connection closed/,
  );
  assert.deepEqual(readdirSync(dir), []);
});
