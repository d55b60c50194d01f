// Base subject extraction (RFC 5256 §2.1) and the i;ascii-casemap comparison SORT uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseSubject, compareCasemap } from '../../../server/imap/sort/base-subject.ts';

test('base subject: reply and forward markers, blobs, (fwd) trailers, [fwd: …] wrappers', () => {
  const cases: Array<[string, string, boolean]> = [
    ['Hello', 'Hello', false],
    ['Re: Hello', 'Hello', true],
    ['RE:   Hello  ', 'Hello', true],
    ['Re: Re: re:Hello', 'Hello', true],
    ['Fw: Hello', 'Hello', true],
    ['FWD: Hello', 'Hello', true],
    ['Re[2]: Hello', 'Hello', true],
    ['Re [2]: Hello', 'Hello', true],
    ['[list] Re: Hello', 'Hello', true],
    ['[list] Hello', 'Hello', false],
    ['[list] [other] Hello', 'Hello', false],
    // a blob that is all there is stays
    ['[list]', '[list]', false],
    ['Re: [list]', '[list]', true],
    ['Hello (fwd)', 'Hello', true],
    ['Hello (fwd) (FWD)  ', 'Hello', true],
    ['[Fwd: Re: Hello]', 'Hello', true],
    ['[fwd: [list] hello (fwd)]', 'hello', true],
    ['Hello\t\r\n  world', 'Hello world', false],
    ['Reply to this', 'Reply to this', false],
    ['Re:', '', true],
    ['', '', false],
    ['   ', '', false],
  ];
  for (const [subject, base, reply] of cases) {
    assert.deepEqual(baseSubject(subject), { base, reply }, JSON.stringify(subject));
  }
});

test('i;ascii-casemap: ASCII letters without case, other characters by code point', () => {
  assert.equal(compareCasemap('hello', 'HELLO'), 0);
  assert.ok(compareCasemap('apple', 'Banana') < 0);
  assert.ok(compareCasemap('Zebra', 'apple') > 0);
  assert.ok(compareCasemap('a', 'ab') < 0);
  // non-ASCII keeps its case: é (U+00E9) and É (U+00C9) differ
  assert.ok(compareCasemap('é', 'É') > 0);
  // U+1F600 sorts after U+FFFD, as in UTF-8 (UTF-16 code units would say otherwise)
  assert.ok(compareCasemap('\u{1F600}', '\uFFFD') > 0);
});
