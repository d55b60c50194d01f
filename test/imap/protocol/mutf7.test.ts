import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMutf7, encodeMutf7 } from '../../../server/imap/protocol/mutf7.ts';
import { ProtocolError } from '../../../server/imap/protocol/errors.ts';

const cases: Array<[string, string]> = [
  ['INBOX', 'INBOX'],
  ['&', '&-'],
  ['a&b', 'a&-b'],
  ['Entwürfe', 'Entw&APw-rfe'],
  ['~peter/mail/台北/日本語', '~peter/mail/&U,BTFw-/&ZeVnLIqe-'],
  ['Gelöschte Elemente', 'Gel&APY-schte Elemente'],
  ['😀 smile', '&2D3eAA- smile'],
  ['𝄞&€', '&2DTdHg-&-&IKw-'],
  ['tab\there', 'tab&AAk-here'],
];

test('modified UTF-7 encodes and decodes known names (RFC 3501 §5.1.3)', () => {
  for (const [plain, wire] of cases) {
    assert.equal(encodeMutf7(plain), wire, plain);
    assert.equal(decodeMutf7(wire), plain, wire);
  }
});

test('modified UTF-7 round-trips random strings, including non-BMP characters', () => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24;
  for (let n = 0; n < 2000; n++) {
    const cps: number[] = [];
    const len = Math.floor(rnd() * 12);
    for (let i = 0; i < len; i++) {
      const r = rnd();
      let cp =
        r < 0.4
          ? 0x20 + Math.floor(rnd() * 95)
          : r < 0.8
            ? 0xa0 + Math.floor(rnd() * 0xd000)
            : 0x10000 + Math.floor(rnd() * 0xfffff);
      if (cp >= 0xd800 && cp <= 0xdfff) cp = 0x41;
      cps.push(cp);
    }
    const s = String.fromCodePoint(...cps);
    assert.equal(decodeMutf7(encodeMutf7(s)), s);
  }
});

test('invalid modified UTF-7 is rejected', () => {
  const invalid: Array<[string, string]> = [
    ['&', 'Invalid mailbox name (unterminated &)'],
    ['&Jjo', 'Invalid mailbox name (unterminated &)'],
    ['&Jjo!-', 'Invalid mailbox name (bad base64)'],
    ['&AGE-', 'Invalid mailbox name (encoded ASCII)'],
    ['&AP-', 'Invalid mailbox name (bad base64 length)'],
    ['&APy-', 'Invalid mailbox name (bad base64 length)'],
    ['&2D0-', 'Invalid mailbox name (broken surrogate pair)'],
    ['&3gA-', 'Invalid mailbox name (broken surrogate pair)'],
    ['&APw-&APw-', 'Invalid mailbox name (adjacent shifts)'],
    ['Entwürfe', 'Invalid mailbox name (not modified UTF-7)'],
    ['a\x01', 'Invalid mailbox name (not modified UTF-7)'],
    ['&U/BTFw-', 'Invalid mailbox name (bad base64)'],
  ];
  for (const [text, message] of invalid) {
    assert.throws(
      () => decodeMutf7(text),
      (e: unknown) => e instanceof ProtocolError && e.message === message,
      text,
    );
  }
  assert.throws(() => encodeMutf7('\ud800x'), ProtocolError);
});
