// The LIST pattern matcher (RFC 3501 §6.3.8): `*` matches anything, `%` anything but the delimiter,
// and the work stays linear in name × pattern for any mix of wildcards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matcher, wildcardMatch } from '../../../server/imap/mailbox-list.ts';

test('* and % as RFC 3501 §6.3.8 defines them', () => {
  const cases: Array<[string, string, boolean]> = [
    ['*', 'a/b/c', true],
    ['%', 'a/b', false],
    ['%', 'abc', true],
    ['a/%', 'a/b', true],
    ['a/%', 'a/b/c', false],
    ['a/*', 'a/b/c', true],
    ['a*c', 'abbbc', true],
    ['a*c', 'abbbd', false],
    ['%/%', 'x/y', true],
    ['%/%', 'xy', false],
    ['', '', true],
    ['', 'a', false],
    ['a%%%b', 'ab', true],
    ['a%b', 'a/b', false],
    ['Wörk/%', 'Wörk/Ü', true],
  ];
  for (const [p, name, want] of cases) assert.equal(wildcardMatch(p, name, '/'), want, `${p} ~ ${name}`);
});

test('INBOX is case-insensitive as the first level; the reference is prefixed', () => {
  assert.equal(matcher('', 'inbox/%')('INBOX/Sub'), true);
  assert.equal(matcher('Work/', '%')('Work/Plans'), true);
  assert.equal(matcher('Work/', '%')('Home/Plans'), false);
});

test('thousands of alternating wildcards against a long name finish (no backtracking)', () => {
  // a backtracking matcher takes exponential time here; this one visits each (char, position) once
  const pattern = '*%'.repeat(2000) + 'z';
  const name = 'a'.repeat(1000);
  assert.equal(wildcardMatch(pattern, name, '/'), false);
  assert.equal(wildcardMatch(pattern, name + 'z', '/'), true);
  assert.equal(wildcardMatch('%'.repeat(2000) + '/x', 'a'.repeat(500) + '/x', '/'), true);
});
