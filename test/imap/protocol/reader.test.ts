import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandReader } from '../../../server/imap/protocol/reader.ts';
import type { ReadResult } from '../../../server/imap/protocol/reader.ts';

const feedAll = (r: CommandReader, ...chunks: Array<string | Buffer>): ReadResult[] =>
  chunks.flatMap((c) => [...r.feed(typeof c === 'string' ? Buffer.from(c, 'latin1') : c)]);
const err = (tag: string | undefined, message: string, code?: 'TOOBIG' | 'LIMIT', fatal = false) => ({
  kind: 'error',
  tag,
  message,
  code,
  fatal,
});

test('simple command, UID prefix, atoms, quoted, NIL and nested lists', () => {
  const r = new CommandReader();
  assert.deepEqual(feedAll(r, 'a1 noop\r\n', 'a2 UID fetch 1:3,5,7:* (FLAGS (X "a\\"b\\\\c")) nil\r\n'), [
    { kind: 'command', tag: 'a1', name: 'NOOP', uid: false, args: [] },
    {
      kind: 'command',
      tag: 'a2',
      name: 'FETCH',
      uid: true,
      args: [
        { kind: 'atom', value: '1:3,5,7:*' },
        {
          kind: 'list',
          items: [
            { kind: 'atom', value: 'FLAGS' },
            {
              kind: 'list',
              items: [
                { kind: 'atom', value: 'X' },
                { kind: 'quoted', value: 'a"b\\c' },
              ],
            },
          ],
        },
        { kind: 'nil', raw: 'nil' },
      ],
    },
  ]);
});

test('section atoms keep base, section and partial apart', () => {
  const r = new CommandReader();
  assert.deepEqual(feedAll(r, 'A FETCH 1 (BODY.PEEK[HEADER.FIELDS (FROM "TO")]<0.100> BODY[])\r\n'), [
    {
      kind: 'command',
      tag: 'A',
      name: 'FETCH',
      uid: false,
      args: [
        { kind: 'atom', value: '1' },
        {
          kind: 'list',
          items: [
            {
              kind: 'atom',
              value: 'BODY.PEEK[HEADER.FIELDS (FROM "TO")]<0.100>',
              bracket: { base: 'BODY.PEEK', section: 'HEADER.FIELDS (FROM "TO")', after: '<0.100>' },
            },
            { kind: 'atom', value: 'BODY[]', bracket: { base: 'BODY', section: '', after: '' } },
          ],
        },
      ],
    },
  ]);
});

test('synchronising literal asks for continuation; byte-by-byte feeding gives the same result', () => {
  const input = 'x LOGIN {3}\r\nbob {4}\r\np\r\ns\r\n';
  const expected = [
    { kind: 'continue', tag: 'x', size: 3 },
    { kind: 'continue', tag: 'x', size: 4 },
    {
      kind: 'command',
      tag: 'x',
      name: 'LOGIN',
      uid: false,
      args: [
        { kind: 'literal', value: Buffer.from('bob') },
        { kind: 'literal', value: Buffer.from('p\r\ns') },
      ],
    },
  ];
  assert.deepEqual(feedAll(new CommandReader(), input), expected);
  const r = new CommandReader();
  assert.deepEqual(feedAll(r, ...[...Buffer.from(input)].map((b) => Buffer.from([b]))), expected);
});

test('non-synchronising literal (RFC 7888) needs no continuation; literal inside a list', () => {
  const r = new CommandReader();
  assert.deepEqual(feedAll(r, 'A SEARCH (SUBJECT {2+}\r\nhi)\r\n'), [
    {
      kind: 'command',
      tag: 'A',
      name: 'SEARCH',
      uid: false,
      args: [
        {
          kind: 'list',
          items: [
            { kind: 'atom', value: 'SUBJECT' },
            { kind: 'literal', value: Buffer.from('hi') },
          ],
        },
      ],
    },
  ]);
});

test('literal8 (RFC 3516 §4.1): APPEND takes ~{n} and ~{n+}, NUL included, marked binary', () => {
  const r = new CommandReader();
  assert.deepEqual(feedAll(r, 'A APPEND x ~{3}\r\n', 'a\x00b ~{2+}\r\n\x00\x01\r\n'), [
    { kind: 'continue', tag: 'A', size: 3 },
    {
      kind: 'command',
      tag: 'A',
      name: 'APPEND',
      uid: false,
      args: [
        { kind: 'atom', value: 'x' },
        { kind: 'literal', value: Buffer.from('a\x00b', 'latin1'), binary: true },
        { kind: 'literal', value: Buffer.from([0, 1]), binary: true },
      ],
    },
  ]);
  // other commands may not send one; a synchronising one gets no continuation
  assert.deepEqual(feedAll(r, 'B LOGIN ~{3}\r\n', 'C NOOP\r\n'), [
    err('B', 'literal8 is only for APPEND'),
    { kind: 'command', tag: 'C', name: 'NOOP', uid: false, args: [] },
  ]);
});

test('large literal in many chunks is collected into one Buffer', () => {
  const r = new CommandReader();
  const size = 5 * 1024 * 1024;
  const results = feedAll(r, `A APPEND INBOX {${size}+}\r\n`);
  const body = Buffer.alloc(size, 0x61);
  for (let i = 0; i < size; i += 65536) results.push(...r.feed(body.subarray(i, i + 65536)));
  results.push(...r.feed(Buffer.from('\r\n')));
  assert.equal(results.length, 1);
  const cmd = results[0]!;
  assert.equal(cmd.kind, 'command');
  if (cmd.kind !== 'command') return;
  assert.deepEqual(cmd.args[0], { kind: 'atom', value: 'INBOX' });
  assert.equal(cmd.args[1]?.kind, 'literal');
  assert.ok(cmd.args[1]?.kind === 'literal' && cmd.args[1].value.equals(body));
});

test('synchronising literal over the limit: no continuation, TOOBIG, next command works', () => {
  const r = new CommandReader({ maxLiteral: 10 });
  assert.deepEqual(feedAll(r, 'A APPEND INBOX {11}\r\n', 'B NOOP\r\n'), [
    { ...err('A', 'Literal too big', 'TOOBIG'), command: 'APPEND' },
    { kind: 'command', tag: 'B', name: 'NOOP', uid: false, args: [] },
  ]);
});

test('non-synchronising literal over the limit is discarded with the rest of its command', () => {
  const r = new CommandReader({ maxLiteral: 10 });
  assert.deepEqual(feedAll(r, 'A APPEND INBOX {12+}\r\nB NOOP\r\nxxxx', ' {3+}\r\nabc more\r\nC NOOP\r\n'), [
    { ...err('A', 'Literal too big', 'TOOBIG'), command: 'APPEND' },
    { kind: 'command', tag: 'C', name: 'NOOP', uid: false, args: [] },
  ]);
});

test('a non-synchronising literal beyond the discard limit is fatal', () => {
  const r = new CommandReader({ maxLiteral: 10, maxDiscard: 100 });
  assert.deepEqual(feedAll(r, 'A APPEND INBOX {99999999999999999999+}\r\n', 'B NOOP\r\n'), [
    err(undefined, 'Too much data to discard', 'LIMIT', true),
  ]);
  assert.equal(r.waitingFor, 'closed');
});

test('over-long line is discarded without buffering, then reading goes on', () => {
  const r = new CommandReader({ maxLine: 100 });
  const results = feedAll(r, 'T1 SEARCH ' + 'x'.repeat(150));
  assert.deepEqual(results, [err('T1', 'Line too long', 'LIMIT')]);
  for (let i = 0; i < 100; i++) results.push(...r.feed(Buffer.alloc(10000, 0x78)));
  assert.ok(r.bufferedBytes < 200);
  results.push(...r.feed(Buffer.from('\r\nT2 NOOP\r\n')));
  assert.deepEqual(results.slice(1), [{ kind: 'command', tag: 'T2', name: 'NOOP', uid: false, args: [] }]);
});

test('over-long line ending in a non-synchronising literal skips that literal too', () => {
  const r = new CommandReader({ maxLine: 20 });
  assert.deepEqual(feedAll(r, 'T1 SEARCH ' + 'y'.repeat(30) + ' {5+}\r\n', 'NOOP\r\nT2 NOOP\r\n'), [
    err('T1', 'Line too long', 'LIMIT'),
    { kind: 'command', tag: 'T2', name: 'NOOP', uid: false, args: [] },
  ]);
});

test('syntax errors give structured errors with the tag when readable', () => {
  const r = new CommandReader();
  assert.deepEqual(
    feedAll(
      r,
      '+ NOOP\r\n',
      'A\r\n',
      'A UID\r\n',
      'B FETCH 1 (FLAGS\r\n',
      'C FETCH 1 FLAGS)\r\n',
      'D LOGIN "a\\x" b\r\n',
      'E LOGIN "abc\r\n',
      'F SELECT a(b\r\n',
      'G SELECT a {3} b\r\n',
      'H SELECT x\x01y\r\n',
      'I X "a""b"\r\n',
      'J X ((((((((((((((((((x))))))))))))))))))\r\n',
      'K LOGIN{3}\r\n',
      'L SEARCH TEXT ~{3+}\r\nabc\r\n',
      'M NOOP\r\n',
      'N LIST "" ~foo\r\n',
    ),
    [
      err(undefined, 'Missing or invalid tag'),
      err('A', 'Missing command'),
      err('A', 'Missing command'),
      err('B', 'Missing )'),
      err('C', 'Unexpected )'),
      err('D', 'Invalid escape in quoted string'),
      err('E', 'Unterminated quoted string'),
      err('F', 'Unexpected character in atom'),
      err('G', 'A literal must end its line'),
      err('H', 'Invalid character in atom'),
      err('I', 'Missing space between arguments'),
      err('J', 'Lists nested too deeply'),
      err('K', 'Missing space before literal'),
      err('L', 'literal8 is only for APPEND'),
      { kind: 'command', tag: 'M', name: 'NOOP', uid: false, args: [] },
      {
        kind: 'command',
        tag: 'N',
        name: 'LIST',
        uid: false,
        args: [
          { kind: 'quoted', value: '' },
          { kind: 'atom', value: '~foo' },
        ],
      },
    ],
  );
});

test('a bad head before a synchronising literal is refused without continuation', () => {
  const r = new CommandReader();
  assert.deepEqual(
    feedAll(r, '* LOGIN {3}\r\n', 'A LOGIN "x {3}\r\n', 'A LOGIN (a)) {3}\r\n', 'A NOOP\r\n'),
    [
      err(undefined, 'Missing or invalid tag'),
      err('A', 'Unterminated quoted string'),
      err('A', 'Unexpected )'),
      { kind: 'command', tag: 'A', name: 'NOOP', uid: false, args: [] },
    ],
  );
});

test('line mode hands back raw lines; switching mid-chunk keeps the rest', () => {
  const r = new CommandReader();
  const out: ReadResult[] = [];
  for (const res of r.feed(Buffer.from('A IDLE\r\nDONE\r\nB NOOP\r\n'))) {
    out.push(res);
    if (res.kind === 'command' && res.name === 'IDLE') r.setMode('line');
    if (res.kind === 'line') r.setMode('command');
  }
  assert.deepEqual(out, [
    { kind: 'command', tag: 'A', name: 'IDLE', uid: false, args: [] },
    { kind: 'line', line: Buffer.from('DONE') },
    { kind: 'command', tag: 'B', name: 'NOOP', uid: false, args: [] },
  ]);
});

test('bare LF ends a line, stray empty lines are ignored, UTF-8 quoted strings decode', () => {
  const r = new CommandReader();
  assert.deepEqual(feedAll(r, '\r\nA SELECT "x y"\n'), [
    { kind: 'command', tag: 'A', name: 'SELECT', uid: false, args: [{ kind: 'quoted', value: 'x y' }] },
  ]);
  assert.deepEqual(feedAll(r, Buffer.from('B SELECT "Größe"\r\n', 'utf8')), [
    { kind: 'command', tag: 'B', name: 'SELECT', uid: false, args: [{ kind: 'quoted', value: 'Größe' }] },
  ]);
  assert.deepEqual(feedAll(r, Buffer.from([0x43, 0x20, 0x58, 0x20, 0x22, 0xff, 0x22, 0x0d, 0x0a])), [
    err('C', 'Invalid UTF-8 in quoted string'),
  ]);
});

test('discardInput drops queued plaintext (STARTTLS)', () => {
  const r = new CommandReader();
  r.push(Buffer.from('A STARTTLS\r\nB INJECTED\r\n'));
  assert.deepEqual(r.next(), { kind: 'command', tag: 'A', name: 'STARTTLS', uid: false, args: [] });
  r.discardInput();
  assert.equal(r.next(), undefined);
  assert.equal(r.queuedBytes, 0);
});

test('feed() queues its chunk even if the results are read later through next()', () => {
  const r = new CommandReader();
  void r.feed(Buffer.from('A NOOP\r\nB LOGOUT\r\n'));
  assert.deepEqual(
    [r.next(), r.next(), r.next()],
    [
      { kind: 'command', tag: 'A', name: 'NOOP', uid: false, args: [] },
      { kind: 'command', tag: 'B', name: 'LOGOUT', uid: false, args: [] },
      undefined,
    ],
  );
});

test('a per-command literal limit: only the command it allows may send a large literal', () => {
  const r = new CommandReader({ maxLiteral: 100 });
  r.literalLimit = (command) => (command === 'APPEND' ? 100 : 5);
  assert.deepEqual(feedAll(r, 'A LOGIN {6}\r\n', 'B APPEND INBOX {6}\r\n'), [
    { ...err('A', 'Literal too big', 'TOOBIG'), command: 'LOGIN' },
    { kind: 'continue', tag: 'B', size: 6 },
  ]);
});
