// Random and mutated input for the command reader: it must never throw, answer every line, stay
// within its limits, and read a valid command correctly after any garbage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandReader } from '../../../server/imap/protocol/reader.ts';
import type { ReaderLimits, ReadResult } from '../../../server/imap/protocol/reader.ts';
import { mulberry32, randomBytes } from '../../helpers/fuzz.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261128);
const CASES = 50_000;

const VALID = [
  'a1 NOOP',
  'a2 LOGIN user "pa\\"ss"',
  'a3 LOGIN {4}\r\nuser {4+}\r\npass',
  'a4 SELECT INBOX',
  'a5 UID FETCH 1:3,5,7:* (FLAGS BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.100>)',
  'a6 FETCH 1 BODY[1.2.MIME]',
  'a7 STORE 1:* +FLAGS.SILENT (\\Seen $Label)',
  'a8 SEARCH CHARSET UTF-8 OR (FROM "x" SINCE 1-Jan-2024) NOT SUBJECT {3+}\r\nabc',
  'a9 APPEND Sent (\\Seen) " 1-Feb-2024 10:00:00 +0000" {11}\r\nhello world',
  'b1 STATUS "a b" (MESSAGES UIDNEXT)',
  'b2 LIST "" %',
  'b3 ID NIL',
  'b4 UID SEARCH UID 1:* ((((ALL))))',
  'b5 APPEND x {0+}\r\n',
];
const SPECIALS = [
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '"',
  '\\',
  '~',
  '+',
  '*',
  '%',
  ' ',
  '\r',
  '\n',
  '\0',
  '<',
  '>',
];

export function mutate(rnd: () => number, base: Buffer): Buffer {
  let b = base;
  const pick = (n: number) => Math.floor(rnd() * n);
  const rounds = 1 + pick(4);
  for (let i = 0; i < rounds; i++) {
    const at = pick(b.length + 1);
    switch (pick(8)) {
      case 0: // cut
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + pick(10)))]);
        break;
      case 1: {
        // duplicate a slice
        const end = Math.min(b.length, at + pick(20));
        b = Buffer.concat([b.subarray(0, end), b.subarray(at, end), b.subarray(end)]);
        break;
      }
      case 2: {
        const bytes = Buffer.from(Array.from({ length: 1 + pick(8) }, () => pick(256)));
        b = Buffer.concat([b.subarray(0, at), bytes, b.subarray(at)]);
        break;
      }
      case 3:
      case 4: {
        const s = Array.from({ length: 1 + pick(4) }, () => SPECIALS[pick(SPECIALS.length)]).join('');
        b = Buffer.concat([b.subarray(0, at), Buffer.from(s), b.subarray(at)]);
        break;
      }
      case 5: {
        const n = ['0', '5', '4096', '99999999999', '18446744073709551616', '1' + '0'.repeat(40)][pick(6)];
        const lit = `${pick(2) ? '~' : ''}{${n}${pick(2) ? '+' : ''}}\r\n`;
        b = Buffer.concat([b.subarray(0, at), Buffer.from(' ' + lit), b.subarray(at)]);
        break;
      }
      case 6: // deep nesting
        b = Buffer.concat([b.subarray(0, at), Buffer.from('('.repeat(pick(30))), b.subarray(at)]);
        break;
      default: // a long run
        b = Buffer.concat([b.subarray(0, at), Buffer.alloc(pick(2000), 0x61 + pick(3)), b.subarray(at)]);
    }
  }
  return b;
}

const LIMITS: ReaderLimits = {
  maxLine: 512,
  maxCommandText: 2048,
  maxLiteral: 1024,
  maxDiscard: 4096,
  maxDepth: 8,
};
const MAX_HELD = LIMITS.maxLine + 1 + 2 * LIMITS.maxCommandText + LIMITS.maxLiteral;

test(`reader survives ${CASES} random and mutated commands (seed ${SEED})`, () => {
  const rnd = mulberry32(SEED);
  const pick = (n: number) => Math.floor(rnd() * n);
  let reader = new CommandReader(LIMITS);
  const counts = { command: 0, error: 0, continue: 0, fatal: 0 };

  const feed = (data: Buffer): ReadResult[] => {
    const out: ReadResult[] = [];
    let i = 0;
    while (i < data.length) {
      const n = pick(8) === 0 ? 1 + pick(4) : 1 + pick(pick(2) ? 64 : 3000);
      for (const r of reader.feed(data.subarray(i, i + n))) {
        out.push(r);
        assert.ok(reader.bufferedBytes <= MAX_HELD, `held ${reader.bufferedBytes}`);
      }
      assert.ok(reader.bufferedBytes <= MAX_HELD, `held ${reader.bufferedBytes}`);
      assert.equal(reader.queuedBytes, 0);
      i += n;
    }
    return out;
  };

  for (let c = 0; c < CASES; c++) {
    const kind = pick(10);
    let input: Buffer;
    if (kind === 0) input = randomBytes(rnd, pick(300));
    else input = mutate(rnd, Buffer.from(VALID[pick(VALID.length)]!, 'latin1'));
    input = Buffer.concat([input, Buffer.from('\r\n')]);
    const ctx = `case ${c} (seed ${SEED}): ${JSON.stringify(input.toString('latin1').slice(0, 200))}`;

    const results = feed(input);
    // Settle like a client would: send literal bytes that were asked for, end open lines.
    for (let k = 0; k < 200 && !reader.idle && reader.waitingFor !== 'closed'; k++) {
      results.push(...feed(Buffer.from(reader.waitingFor === 'line' ? '\r\n' : 'x'.repeat(256))));
    }
    for (const r of results) {
      if (r.kind === 'line') assert.fail(`line result in command mode: ${ctx}`);
      if (r.kind === 'continue') assert.ok(r.size <= LIMITS.maxLiteral, ctx);
      if (r.kind === 'error') assert.ok(!r.message.startsWith('Internal'), `${r.message}: ${ctx}`);
      if (r.kind === 'error' && r.fatal) counts.fatal++;
      else counts[r.kind]++;
    }
    const lines = input
      .toString('latin1')
      .split('\n')
      .filter((l) => l.replace(/\r$/, '') !== '').length;
    const answered = results.filter((r) => r.kind === 'command' || r.kind === 'error').length;
    if (!input.includes(0x7b)) assert.equal(answered, lines, `one result per line: ${ctx}`);
    else if (lines > 0) assert.ok(answered >= 1, `no answer: ${ctx}`);

    if (reader.waitingFor === 'closed') {
      assert.ok(
        results.some((r) => r.kind === 'error' && r.fatal),
        ctx,
      );
      reader = new CommandReader(LIMITS);
    }
    assert.ok(reader.idle, `not idle after settling: ${ctx}`);
    const tag = `S${c}`;
    assert.deepEqual(feed(Buffer.from(`${tag} UID FETCH 1:* (FLAGS)\r\n`)), [
      {
        kind: 'command',
        tag,
        name: 'FETCH',
        uid: true,
        args: [
          { kind: 'atom', value: '1:*' },
          { kind: 'list', items: [{ kind: 'atom', value: 'FLAGS' }] },
        ],
      },
    ]);
  }
  // The mix must exercise every outcome, or the fuzzer tests less than it claims.
  for (const [k, v] of Object.entries(counts)) assert.ok(v > 0, `no ${k} results`);
});
