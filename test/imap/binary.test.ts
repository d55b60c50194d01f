// BINARY (RFC 3516): FETCH BINARY[part]<partial>, BINARY.PEEK, BINARY.SIZE with base64 and
// quoted-printable decoded, NO [UNKNOWN-CTE], literal8 out and in (APPEND ~{n}). Raw socket, whole
// responses asserted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RawImap } from './_client.ts';
import { startImap, type ImapTestEnv } from './_setup.ts';

let env: ImapTestEnv;
let c: RawImap;

const BYTES = Buffer.from([0x00, 0x01, 0x02, 0x41, 0xff, 0x0d, 0x0a, 0x00]);
const PLAIN = 'Subject: plain\r\n\r\nJust text.\r\n';
const MIXED = [
  'Subject: parts',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b"',
  '',
  '--b',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'caf=C3=A9 =3D ok=',
  'next',
  '--b',
  'Content-Type: application/octet-stream',
  'Content-Transfer-Encoding: BASE64',
  '',
  BYTES.toString('base64'),
  '--b',
  'Content-Type: text/plain',
  '',
  'seven bit',
  '--b',
  'Content-Type: application/octet-stream',
  'Content-Transfer-Encoding: x-uuencode',
  '',
  'begin 644 x',
  '--b--',
  '',
].join('\r\n');
const lit = (s: string) => `{${Buffer.byteLength(s)}+}\r\n${s}`;

before(async () => {
  env = await startImap();
  c = await env.login();
  for (const m of [PLAIN, MIXED])
    assert.match((await c.command('s', `APPEND INBOX ${lit(m)}`)).at(-1)!, /^s OK /);
  assert.match((await c.command('s', 'SELECT INBOX')).at(-1)!, /^s OK \[READ-WRITE\]/);
});
after(async () => {
  c.close();
  await env.srv.stop();
});

test('RFC 3516 §4.2: BINARY.SIZE is the decoded size; BINARY.PEEK decodes and leaves \\Seen alone', async () => {
  assert.deepEqual(await c.command('a1', 'FETCH 2 (BINARY.SIZE[1] BINARY.SIZE[2] BINARY.SIZE[3])'), [
    '* 2 FETCH (BINARY.SIZE[1] 14 BINARY.SIZE[2] 8 BINARY.SIZE[3] 9)',
    'a1 OK FETCH completed',
  ]);
  assert.deepEqual(await c.command('a2', 'FETCH 2 (BINARY.PEEK[1] BINARY.PEEK[3])'), [
    `* 2 FETCH (BINARY[1] {14}\r\n${Buffer.from('café = oknext').toString('latin1')} BINARY[3] {9}\r\nseven bit)`,
    'a2 OK FETCH completed',
  ]);
  // NUL octets: a literal8
  assert.deepEqual(await c.command('a3', 'UID FETCH 2 BINARY.PEEK[2]'), [
    `* 2 FETCH (UID 2 BINARY[2] ~{8}\r\n${BYTES.toString('latin1')})`,
    'a3 OK UID FETCH completed',
  ]);
  assert.deepEqual(await c.command('a4', 'FETCH 2 FLAGS'), [
    '* 2 FETCH (FLAGS (\\Recent))',
    'a4 OK FETCH completed',
  ]);
});

test('RFC 3516 §4.2: a partial BINARY counts decoded octets and sets \\Seen', async () => {
  assert.deepEqual(await c.command('b1', 'FETCH 2 BINARY[2]<3.2>'), [
    `* 2 FETCH (BINARY[2]<3> {2}\r\nA\xff FLAGS (\\Seen \\Recent))`,
    'b1 OK FETCH completed',
  ]);
  assert.deepEqual(await c.command('b2', 'FETCH 1 (BINARY.PEEK[] BINARY.SIZE[])'), [
    `* 1 FETCH (BINARY[] {${PLAIN.length}}\r\n${PLAIN} BINARY.SIZE[] ${PLAIN.length})`,
    'b2 OK FETCH completed',
  ]);
  // a single-part message's body is part 1
  assert.deepEqual(await c.command('b3', 'FETCH 1 BINARY.PEEK[1]<5.100>'), [
    '* 1 FETCH (BINARY[1]<5> {7}\r\ntext.\r\n)',
    'b3 OK FETCH completed',
  ]);
});

test('RFC 3516 §4.3: NO [UNKNOWN-CTE] for an encoding we cannot undo; a missing part is NIL (size 0)', async () => {
  assert.deepEqual(await c.command('c1', 'FETCH 1:2 BINARY.PEEK[4]'), [
    '* 1 FETCH (BINARY[4] NIL)',
    'c1 NO [UNKNOWN-CTE] Unknown Content-Transfer-Encoding',
  ]);
  assert.deepEqual(await c.command('c2', 'FETCH 2 BINARY.SIZE[4]'), [
    'c2 NO [UNKNOWN-CTE] Unknown Content-Transfer-Encoding',
  ]);
  assert.deepEqual(await c.command('c3', 'FETCH 2 (BINARY.PEEK[9] BINARY.SIZE[9])'), [
    '* 2 FETCH (BINARY[9] NIL BINARY.SIZE[9] 0)',
    'c3 OK FETCH completed',
  ]);
});

test('binary section syntax errors are BAD', async () => {
  const cases: Array<[string, string]> = [
    ['FETCH 1 BINARY[1.TEXT]', 'Invalid binary section'],
    ['FETCH 1 BINARY[HEADER]', 'Invalid binary section'],
    ['FETCH 1 BINARY[0]', 'Invalid binary section'],
    ['FETCH 1 BINARY.SIZE[1]<0.1>', 'BINARY.SIZE takes no partial'],
    ['FETCH 1 BINARY[1]<0.0>', 'Invalid number: 0'],
  ];
  let n = 0;
  for (const [cmd, text] of cases) {
    const tag = `d${n++}`;
    assert.deepEqual(await c.command(tag, cmd), [`${tag} BAD ${text}`], cmd);
  }
});

test('RFC 3516 §4.4: APPEND with a literal8 stores the bytes, NUL included; literal8 elsewhere is BAD', async () => {
  const raw = Buffer.concat([
    Buffer.from('Subject: nul\r\n\r\nzero:'),
    Buffer.from([0]),
    Buffer.from('\r\n'),
  ]);
  const box = (await env.srv.store.mailboxes.get(env.user.id, 'INBOX'))!;
  c.write(`e1 APPEND INBOX ~{${raw.length}}\r\n`);
  assert.equal(await c.response(), '+ Ready for literal data');
  c.write(Buffer.concat([raw, Buffer.from('\r\n')]));
  assert.deepEqual(await c.until('e1'), [
    '* 3 EXISTS',
    '* 3 RECENT',
    `e1 OK [APPENDUID ${box.uidValidity} 3] APPEND completed`,
  ]);
  assert.deepEqual(await c.command('e2', 'FETCH 3 BINARY.PEEK[]'), [
    `* 3 FETCH (BINARY[] ~{${raw.length}}\r\n${raw.toString('latin1')})`,
    'e2 OK FETCH completed',
  ]);
  assert.deepEqual(await c.command('e3', 'SEARCH TEXT ~{3+}\r\nabc'), ['e3 BAD literal8 is only for APPEND']);
  assert.deepEqual(await c.command('e4', 'NOOP'), ['e4 OK NOOP completed']);
});
