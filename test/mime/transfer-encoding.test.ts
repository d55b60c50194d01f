// Content-Transfer-Encoding is undone in one place (server/mime/transfer-encoding.ts) for search,
// the filters, IMAP BINARY and the API: what that one decoder does with real and broken input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeTransfer } from '../../server/mime/transfer-encoding.ts';

const qp = (s: string) => decodeTransfer(Buffer.from(s, 'latin1'), 'quoted-printable').toString('utf8');
const b64 = (s: string) => decodeTransfer(Buffer.from(s, 'latin1'), 'base64').toString('latin1');

test('quoted-printable: bytes, soft breaks (CRLF and bare LF), stray "=" kept', () => {
  assert.equal(qp('caf=C3=A9 soft=\r\nbreak =ZZ'), 'café softbreak =ZZ');
  assert.equal(qp('Gr=C3=\r\n=BC=C3=9Fe'), 'Grüße', 'a character split across a soft break');
  assert.equal(qp('bare=\nLF=3d=3D'), 'bareLF==');
  assert.equal(qp('ends with ='), 'ends with =');
});

test('base64: line breaks and other characters outside the alphabet are ignored', () => {
  assert.equal(b64('YWJj\r\nZGVm\r\n'), 'abcdef');
  assert.equal(b64(' YW Jj\tZA== \r\n'), 'abcd');
});

test('base64: "=" ends the data (RFC 2045 §6.8), nothing after it is decoded', () => {
  // the second block used to be decoded out of step, giving bytes that were never sent
  assert.equal(b64('YQ==YWJj'), 'a');
});

test('identity and unknown encodings give the bytes back', () => {
  for (const enc of [null, '7bit', '8bit', 'binary', 'x-uuencode'])
    assert.equal(decodeTransfer(Buffer.from('=41 YQ=='), enc).toString(), '=41 YQ==');
  assert.equal(decodeTransfer(Buffer.from('=41'), 'Quoted-Printable').toString(), 'A');
});
