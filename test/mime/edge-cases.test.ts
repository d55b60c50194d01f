// Broken and extreme shapes real mail has: each one is stored and rebuilt byte for byte.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { messageSize, parseMessage, resolveSection, streamMessage } from '../../server/mime/index.ts';
import type { ParsedMessage, ParseOptions } from '../../server/mime/index.ts';
import { bodiesOf, collect, storageProblems, storedPart } from './support.ts';

async function roundTrip(raw: Buffer, opts: ParseOptions = {}): Promise<ParsedMessage> {
  const parsed = parseMessage(raw, opts);
  assert.equal(messageSize(parsed.tree), raw.length);
  const rebuilt = await collect(streamMessage(parsed.tree, bodiesOf(parsed)));
  assert.ok(rebuilt.equals(raw), 'rebuilt bytes differ');
  assert.deepEqual(storageProblems(storedPart(parsed)), []);
  return parsed;
}

const kinds = (p: ParsedMessage) => p.tree.map((n) => `${n.kind}:${n.contentType}:${n.part}`);

const multipart = (nl: string) =>
  [
    'Content-Type: multipart/mixed; boundary=XX',
    '',
    '--XX',
    'Content-Type: text/plain',
    '',
    'one',
    '--XX',
    'Content-Type: text/html',
    '',
    '<b>two</b>',
    '--XX--',
    '',
  ].join(nl);

test('bare LF line endings', async () => {
  const p = await roundTrip(Buffer.from(multipart('\n')));
  assert.deepEqual(kinds(p), ['multipart:multipart/mixed:null', 'leaf:text/plain:1', 'leaf:text/html:2']);
  assert.equal(p.text, 'one\ntwo');
});

test('bare CR line endings stay as they are (one header block, no structure)', async () => {
  const p = await roundTrip(Buffer.from(multipart('\r')));
  assert.equal(p.tree.length, 1);
});

test('mixed line endings', async () => {
  const raw = Buffer.from(
    'Content-Type: multipart/mixed; boundary=XX\r\n\n--XX\nContent-Type: text/plain\r\n\r\none\r\n--XX\r\n\ntwo\n--XX--\r\nend',
  );
  const p = await roundTrip(raw);
  assert.deepEqual(kinds(p), ['multipart:multipart/mixed:null', 'leaf:text/plain:1', 'leaf:text/plain:2']);
  const two = await collect(resolveSection(p.tree, { part: [2] })!.stream(bodiesOf(p)));
  assert.equal(two.toString(), 'two');
});

test('no final newline', async () => {
  const p = await roundTrip(Buffer.from('Subject: x\r\n\r\nno newline at the end'));
  assert.equal(p.text, 'no newline at the end');
  await roundTrip(
    Buffer.from('Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\n\r\nbody\r\n--XX--'),
  );
});

test('8-bit and NUL bytes in header and body', async () => {
  const raw = Buffer.concat([
    Buffer.from('Subject: caf'),
    Buffer.from([0xe9, 0x00, 0xff]),
    Buffer.from('\r\nX-Bin: a\0b\r\n\r\nbody '),
    Buffer.from([0x00, 0x80, 0xfe, 0x0d, 0x0d, 0x0a]),
  ]);
  const p = await roundTrip(raw);
  assert.ok(!p.subject.includes('\0'));
  assert.ok(p.envelope.startsWith('(NIL {'), 'an 8-bit subject becomes a literal');
});

test('missing end boundary: the last part runs to the end', async () => {
  const raw = Buffer.from(
    'Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\n\r\na\r\n--XX\r\n\r\nb\r\n',
  );
  const p = await roundTrip(raw);
  assert.equal(p.tree.length, 3);
  assert.equal(
    (await collect(resolveSection(p.tree, { part: [2] })!.stream(bodiesOf(p)))).toString(),
    'b\r\n',
  );
});

test('boundary declared but never found', async () => {
  const raw = Buffer.from('Content-Type: multipart/mixed; boundary=XX\r\n\r\njust text\r\n--YY\r\n');
  const p = await roundTrip(raw);
  assert.equal(p.tree.length, 1);
  assert.equal(
    p.bodystructure,
    '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL) "mixed" ("boundary" "XX") NIL NIL NIL)',
  );
});

test('no header/body separator', async () => {
  const p = await roundTrip(Buffer.from('Subject: only a header\r\nFrom: a@b.c\r\n'));
  assert.equal(p.subject, 'only a header');
  const q = await roundTrip(
    Buffer.from('Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nno header here\r\n--XX--\r\n'),
  );
  assert.equal(q.tree.length, 2);
});

test('mbox "From " first line', async () => {
  const raw = Buffer.from(
    'From someone@example.com  Thu Aug 22 12:36:23 2002\nFrom: a@b.c\nSubject: hi\n\nbody\n',
  );
  const p = await roundTrip(raw);
  assert.deepEqual(p.from, [{ name: '', address: 'a@b.c' }]);
  assert.equal(p.subject, 'hi');
});

test('a 20 MB attachment is externalized and a range from its middle streams', async () => {
  const big = Buffer.alloc(20 * 1024 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = 0x41 + (i % 26);
  const head = Buffer.from(
    'Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n' +
      '--XX\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="big.bin"\r\n\r\n',
  );
  const tail = Buffer.from('\r\n--XX--\r\n');
  const raw = Buffer.concat([head, big, tail]);
  const p = parseMessage(raw);
  assert.equal(p.externalBodies.length, 1);
  const ext = p.externalBodies[0]!;
  assert.equal(ext.sha256, createHash('sha256').update(big).digest('hex'));
  assert.equal(ext.filename, 'big.bin');
  assert.equal(ext.contentType, 'application/octet-stream');
  assert.equal(p.tree[2]!.body, null);
  assert.deepEqual(p.tree[2]!.external, { sha256: ext.sha256, size: big.length });
  assert.equal(messageSize(p.tree), raw.length);
  let opened = 0;
  const open = (sha: string) => {
    opened++;
    return bodiesOf(p, 1024 * 1024)(sha);
  };
  const start = head.length + 10 * 1024 * 1024 - 7;
  const got = await collect(streamMessage(p.tree, open, { start, length: 1000 }));
  assert.ok(got.equals(raw.subarray(start, start + 1000)));
  assert.equal(opened, 1);
  // A range that ends before the attachment never opens it.
  const early = await collect(streamMessage(p.tree, open, { start: 5, length: 20 }));
  assert.ok(early.equals(raw.subarray(5, 25)));
  assert.equal(opened, 1);
  const whole = await collect(streamMessage(p.tree, () => Readable.from([big])));
  assert.ok(whole.equals(raw));
  assert.deepEqual(p.attachments, [
    {
      id: '2',
      filename: 'big.bin',
      contentType: 'application/octet-stream',
      disposition: 'attachment',
      size: big.length,
    },
  ]);
});

function nested(depth: number, kind: 'multipart' | 'message'): Buffer {
  let inner = 'Content-Type: text/plain\r\n\r\ninnermost\r\n';
  for (let d = depth; d > 0; d--) {
    inner =
      kind === 'multipart'
        ? `Content-Type: multipart/mixed; boundary=b${d}\r\n\r\n--b${d}\r\n${inner}\r\n--b${d}--\r\n`
        : `Content-Type: message/rfc822\r\n\r\nSubject: level ${d}\r\n${inner}`;
  }
  return Buffer.from(`Subject: top\r\n${inner}`);
}

test('multiparts nested 60 deep: parsed to maxDepth, the rest kept opaque', async () => {
  const p = await roundTrip(nested(60, 'multipart'));
  assert.equal(p.tree.length, 51);
  assert.equal(p.tree[50]!.kind, 'leaf');
  assert.equal(p.tree[50]!.contentType, 'multipart/mixed');
  assert.equal(p.tree[50]!.part, Array(50).fill('1').join('.'));
  const deeper = await roundTrip(nested(60, 'multipart'), { maxDepth: 100 });
  assert.equal(deeper.tree.length, 61);
  assert.equal(deeper.tree[60]!.contentType, 'text/plain');
  assert.equal(deeper.text, 'innermost\n');
});

test('message/rfc822 nested 60 deep', async () => {
  const p = await roundTrip(nested(60, 'message'));
  assert.equal(p.tree.length, 51);
  assert.ok(p.tree.every((n) => n.parent === -1 || n.parent === p.tree.indexOf(n) - 1));
  const section = resolveSection(p.tree, { part: [1, 1, 1], kind: 'HEADER' })!;
  assert.equal(
    (await collect(section.stream(bodiesOf(p)))).toString(),
    'Subject: level 3\r\nContent-Type: message/rfc822\r\n\r\n',
  );
});

test('more parts than maxParts: the rest stays one opaque run', async () => {
  const parts = Array.from({ length: 30 }, (_, i) => `--XX\r\n\r\npart ${i + 1}\r\n`).join('');
  const raw = Buffer.from(`Content-Type: multipart/mixed; boundary=XX\r\n\r\n${parts}--XX--\r\n`);
  const p = await roundTrip(raw, { maxParts: 10 });
  assert.equal(p.tree.length, 10);
  assert.ok(p.tree[0]!.post.toString().startsWith('\r\n--XX\r\n\r\npart 10'));
  const all = await roundTrip(raw);
  assert.equal(all.tree.length, 31);
});

test('a large preamble and epilogue leave the tree too', async () => {
  const filler = 'x'.repeat(99) + '\r\n';
  const preamble = filler.repeat(2000);
  const epilogue = filler.repeat(3000);
  const raw = Buffer.from(
    `Content-Type: multipart/mixed; boundary=XX\r\n\r\n${preamble}--XX\r\n\r\nsmall\r\n--XX--\r\n${epilogue}`,
  );
  const p = await roundTrip(raw);
  assert.equal(p.tree[0]!.body, null);
  assert.equal(p.tree[0]!.external?.size, preamble.length - 2);
  assert.equal(p.tree[0]!.post.length, 0);
  assert.equal(p.tree[0]!.postExternal?.size, epilogue.length + '\r\n--XX--\r\n'.length);
  assert.equal(p.externalBodies.length, 2);
  assert.ok(p.externalBodies.every((b) => b.contentType === 'application/octet-stream'));
  const neverFound = await roundTrip(
    Buffer.from(`Content-Type: multipart/mixed; boundary=XX\r\n\r\n${preamble}`),
  );
  assert.equal(neverFound.tree[0]!.external?.size, preamble.length);
  assert.ok(JSON.stringify(storedPart(neverFound)).length < 10_000, 'the stored document stays small');
});
