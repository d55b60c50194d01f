// The session's pull side of the reader: one result at a time, line mode for IDLE / SASL, input
// bounded ahead of the consumer, and nothing carried over a STARTTLS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { CommandInput } from '../../server/imap/input.ts';
import { INPUT_HIGH_WATER } from '../../server/imap/limits.ts';

test('pipelined commands come out one at a time; readLine reads one raw line in between', async () => {
  const src = new PassThrough();
  const input = new CommandInput(src, {});
  src.write('A IDLE\r\nDONE\r\nB NOOP\r\n');
  const a = await input.next();
  assert.equal(a?.kind === 'command' && a.tag, 'A');
  assert.deepEqual(await input.readLine(), Buffer.from('DONE'));
  const b = await input.next();
  assert.equal(b?.kind === 'command' && `${b.tag} ${b.name}`, 'B NOOP');
  src.end();
  assert.equal(await input.next(), null);
});

test('a synchronising literal gives a continuation, then the command once its bytes arrive', async () => {
  const src = new PassThrough();
  const input = new CommandInput(src, {});
  src.write('A LOGIN {5}\r\n');
  assert.deepEqual(await input.next(), { kind: 'continue', tag: 'A', size: 5 });
  const next = input.next();
  src.write('alice pw\r\n');
  const r = await next;
  assert.equal(r?.kind, 'command');
  if (r?.kind === 'command') assert.deepEqual(r.args[0], { kind: 'literal', value: Buffer.from('alice') });
});

test('input beyond the high-water mark pauses the socket until it is consumed', async () => {
  const src = new PassThrough();
  const input = new CommandInput(src, {});
  const line = `A NOOP ${'x'.repeat(1000)}\r\n`;
  const count = Math.ceil((INPUT_HIGH_WATER * 2) / line.length);
  src.write(line.repeat(count));
  await new Promise((r) => setImmediate(r));
  assert.equal(src.isPaused(), true);
  for (let i = 0; i < count; i++) assert.equal((await input.next())?.kind, 'command');
  assert.equal(src.isPaused(), false);
});

test('detach drops what was queued (STARTTLS) and reading goes on on the new stream', async () => {
  const plain = new PassThrough();
  const input = new CommandInput(plain, {});
  plain.write('A STARTTLS\r\nB INJECTED\r\n');
  assert.equal((await input.next())?.kind, 'command');
  input.detach();
  const secure = new PassThrough();
  input.attach(secure);
  secure.write('C CAPABILITY\r\n');
  const r = await input.next();
  assert.equal(r?.kind === 'command' && r.tag, 'C');
});
