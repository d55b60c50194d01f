// BODYSTRUCTURE, BODY and ENVELOPE on hand-written messages. The expected strings are what
// Dovecot 2.3.19 returns for the same bytes (checked with doveadm fetch).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMessage } from '../../server/mime/index.ts';
import { storageProblems, storedPart } from './support.ts';

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'), 'utf8');

function parse(lines: string[]) {
  const parsed = parseMessage(crlf(lines));
  assert.deepEqual(storageProblems(storedPart(parsed)), []);
  return parsed;
}

test('multipart/mixed with an attachment', () => {
  const p = parse([
    'From: Alice Example <alice@example.com>',
    'To: Bob <bob@example.org>, carol@example.net',
    'Cc: "Dave, Jr." <dave@example.com>',
    'Subject: Quarterly report',
    'Date: Mon, 3 Nov 2025 10:00:00 +0000',
    'Message-ID: <abc@example.com>',
    'In-Reply-To: <prev@example.com>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="outer"',
    '',
    'This is a preamble.',
    '--outer',
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'Hello Bob,',
    'see the attachment.',
    '--outer',
    'Content-Type: application/pdf; name="report.pdf"',
    'Content-Disposition: attachment; filename="report.pdf"',
    'Content-Transfer-Encoding: base64',
    'Content-ID: <part2@example.com>',
    'Content-Description: The report',
    '',
    'JVBERi0xLjQK',
    '--outer--',
    '',
  ]);
  assert.equal(
    p.bodystructure,
    '(("text" "plain" ("charset" "UTF-8") NIL NIL "quoted-printable" 31 1 NIL NIL NIL NIL)' +
      '("application" "pdf" ("name" "report.pdf") "<part2@example.com>" "The report" "base64" 12 NIL ' +
      '("attachment" ("filename" "report.pdf")) NIL NIL) "mixed" ("boundary" "outer") NIL NIL NIL)',
  );
  assert.equal(
    p.body,
    '(("text" "plain" ("charset" "UTF-8") NIL NIL "quoted-printable" 31 1)' +
      '("application" "pdf" ("name" "report.pdf") "<part2@example.com>" "The report" "base64" 12) "mixed")',
  );
  assert.equal(
    p.envelope,
    '("Mon, 3 Nov 2025 10:00:00 +0000" "Quarterly report" (("Alice Example" NIL "alice" "example.com")) ' +
      '(("Alice Example" NIL "alice" "example.com")) (("Alice Example" NIL "alice" "example.com")) ' +
      '(("Bob" NIL "bob" "example.org")(NIL NIL "carol" "example.net")) (("Dave, Jr." NIL "dave" "example.com")) ' +
      'NIL "<prev@example.com>" "<abc@example.com>")',
  );
  assert.equal(p.subject, 'Quarterly report');
  assert.deepEqual(p.from, [{ name: 'Alice Example', address: 'alice@example.com' }]);
  assert.deepEqual(p.to, [
    { name: 'Bob', address: 'bob@example.org' },
    { name: '', address: 'carol@example.net' },
  ]);
  assert.deepEqual(p.cc, [{ name: 'Dave, Jr.', address: 'dave@example.com' }]);
  assert.equal(p.messageId, '<abc@example.com>');
  assert.equal(p.inReplyTo, '<prev@example.com>');
  assert.equal(p.date?.toISOString(), '2025-11-03T10:00:00.000Z');
  assert.equal(p.text, 'Hello Bob,\nsee the attachment.');
  assert.equal(p.intro, 'Hello Bob, see the attachment.');
  assert.equal(p.hasAttachments, true);
  assert.deepEqual(p.attachments, [
    {
      id: '2',
      filename: 'report.pdf',
      contentType: 'application/pdf',
      disposition: 'attachment',
      size: 12,
      contentId: 'part2@example.com',
    },
  ]);
  assert.deepEqual(p.headers.slice(0, 2), [
    { key: 'from', value: 'Alice Example <alice@example.com>' },
    { key: 'to', value: 'Bob <bob@example.org>, carol@example.net' },
  ]);
});

test('multipart/alternative with language and location', () => {
  const p = parse([
    'From: a@example.com',
    'To: b@example.com',
    'Subject: Alt',
    'MIME-Version: 1.0',
    'Content-Type: multipart/alternative; boundary=alt',
    '',
    '--alt',
    'Content-Type: text/plain; charset="iso-8859-1"',
    'Content-Language: en, de',
    '',
    'plain',
    '--alt',
    'Content-Type: text/html; charset=utf-8',
    'Content-Location: http://example.com/x.html',
    '',
    '<p>html</p>',
    '--alt--',
    '',
  ]);
  assert.equal(
    p.bodystructure,
    '(("text" "plain" ("charset" "iso-8859-1") NIL NIL "7bit" 5 0 NIL NIL ("en" "de") NIL)' +
      '("text" "html" ("charset" "utf-8") NIL NIL "7bit" 11 0 NIL NIL NIL "http://example.com/x.html") ' +
      '"alternative" ("boundary" "alt") NIL NIL NIL)',
  );
  assert.equal(
    p.body,
    '(("text" "plain" ("charset" "iso-8859-1") NIL NIL "7bit" 5 0)("text" "html" ("charset" "utf-8") NIL NIL "7bit" 11 0) "alternative")',
  );
  assert.equal(
    p.envelope,
    '(NIL "Alt" ((NIL NIL "a" "example.com")) ((NIL NIL "a" "example.com")) ((NIL NIL "a" "example.com")) ' +
      '((NIL NIL "b" "example.com")) NIL NIL NIL NIL)',
  );
  assert.equal(p.text, 'plain\nhtml');
  assert.equal(p.hasAttachments, false);
});

test('message/rfc822 carries the envelope and structure of the embedded message', () => {
  const p = parse([
    'From: a@example.com',
    'To: b@example.com',
    'Subject: Fwd',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary=m',
    '',
    '--m',
    'Content-Type: text/plain',
    '',
    'see below',
    '--m',
    'Content-Type: message/rfc822',
    'Content-Disposition: inline',
    '',
    'From: Inner Sender <inner@example.com>',
    'To: x@example.com',
    'Subject: Inner subject',
    'Date: Tue, 4 Nov 2025 09:00:00 +0100',
    'Message-ID: <inner@example.com>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/alternative; boundary=i',
    '',
    '--i',
    'Content-Type: text/plain',
    '',
    'inner text',
    '--i',
    'Content-Type: text/html',
    '',
    '<b>inner</b>',
    '--i--',
    '',
    '--m--',
    '',
  ]);
  const innerEnvelope =
    '("Tue, 4 Nov 2025 09:00:00 +0100" "Inner subject" (("Inner Sender" NIL "inner" "example.com")) ' +
    '(("Inner Sender" NIL "inner" "example.com")) (("Inner Sender" NIL "inner" "example.com")) ' +
    '((NIL NIL "x" "example.com")) NIL NIL NIL "<inner@example.com>")';
  assert.equal(
    p.bodystructure,
    '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 9 0 NIL NIL NIL NIL)' +
      `("message" "rfc822" NIL NIL NIL "7bit" 322 ${innerEnvelope} ` +
      '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 10 0 NIL NIL NIL NIL)' +
      '("text" "html" ("charset" "us-ascii") NIL NIL "7bit" 12 0 NIL NIL NIL NIL) "alternative" ("boundary" "i") NIL NIL NIL) ' +
      '17 NIL ("inline" NIL) NIL NIL) "mixed" ("boundary" "m") NIL NIL NIL)',
  );
  assert.equal(
    p.body,
    '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 9 0)' +
      `("message" "rfc822" NIL NIL NIL "7bit" 322 ${innerEnvelope} ` +
      '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 10 0)("text" "html" ("charset" "us-ascii") NIL NIL "7bit" 12 0) "alternative") ' +
      '17) "mixed")',
  );
  assert.deepEqual(p.attachments, [
    { id: '2', filename: null, contentType: 'message/rfc822', disposition: 'inline', size: 322 },
  ]);
  assert.deepEqual(
    p.tree.map((n) => [n.kind, n.part]),
    [
      ['multipart', null],
      ['leaf', '1'],
      ['message', '2'],
      ['multipart', null],
      ['leaf', '2.1'],
      ['leaf', '2.2'],
    ],
  );
});

test('encoded-word subject, RFC 2231 filename and an empty group', () => {
  const p = parse([
    'From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <jm@example.de>',
    'To: undisclosed-recipients:;',
    'Subject: =?UTF-8?B?R3LDvMOfZQ==?= from "Jürgen"',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary=b',
    '',
    '--b',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Hi',
    '--b',
    'Content-Type: application/octet-stream',
    'Content-Disposition: attachment;',
    " filename*0*=UTF-8''%E2%82%AC%20rates;",
    ' filename*1*=%20.txt',
    '',
    'data',
    '--b--',
    '',
  ]);
  // RFC 2231 continuations are merged, the value itself stays encoded (as Dovecot does).
  assert.equal(
    p.bodystructure,
    '(("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 2 0 NIL NIL NIL NIL)' +
      '("application" "octet-stream" NIL NIL NIL "7bit" 4 NIL ' +
      '("attachment" ("filename*" "UTF-8\'\'%E2%82%AC%20rates%20.txt")) NIL NIL) "mixed" ("boundary" "b") NIL NIL NIL)',
  );
  // Encoded words stay raw in ENVELOPE; 8-bit text and quotes make a literal (byte count).
  const from = '(("=?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?=" NIL "jm" "example.de"))';
  assert.equal(
    p.envelope,
    `(NIL {39}\r\n=?UTF-8?B?R3LDvMOfZQ==?= from "Jürgen" ${from} ${from} ${from} ` +
      '((NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL)) NIL NIL NIL NIL)',
  );
  assert.equal(p.subject, 'Grüße from "Jürgen"');
  assert.deepEqual(p.from, [{ name: 'Jürgen Müller', address: 'jm@example.de' }]);
  assert.deepEqual(p.to, []);
  assert.deepEqual(p.attachments, [
    {
      id: '2',
      filename: '€ rates .txt',
      contentType: 'application/octet-stream',
      disposition: 'attachment',
      size: 4,
    },
  ]);
});

test('group syntax, squeezed subject, Reply-To', () => {
  const p = parse([
    'From: Team: alice@example.com, "Bob B" <bob@example.com>;',
    'Reply-To: list@example.com',
    'To: friends: ;, solo@example.com',
    'Subject:   spaced\t out   subject  ',
    'Message-ID: <g@example.com>',
    '',
    'body',
    '',
  ]);
  const team =
    '((NIL NIL "Team" NIL)(NIL NIL "alice" "example.com")("Bob B" NIL "bob" "example.com")(NIL NIL NIL NIL))';
  assert.equal(
    p.envelope,
    `(NIL {18}\r\nspaced out subject ${team} ${team} ((NIL NIL "list" "example.com")) ` +
      '((NIL NIL "friends" NIL)(NIL NIL NIL NIL)(NIL NIL "solo" "example.com")) NIL NIL NIL "<g@example.com>")',
  );
  assert.equal(p.bodystructure, '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 6 1 NIL NIL NIL NIL)');
  assert.equal(p.body, '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 6 1)');
  assert.equal(p.subject, 'spaced\t out   subject');
  assert.deepEqual(p.from, [
    { name: '', address: 'alice@example.com' },
    { name: 'Bob B', address: 'bob@example.com' },
  ]);
  assert.deepEqual(p.replyTo, [{ name: '', address: 'list@example.com' }]);
});

test('missing From: NIL, and Sender / Reply-To have nothing to fall back to', () => {
  const p = parse(['To: someone@example.com', 'Subject: No sender', '', 'text', '']);
  assert.equal(
    p.envelope,
    '(NIL "No sender" NIL NIL NIL ((NIL NIL "someone" "example.com")) NIL NIL NIL NIL)',
  );
  assert.equal(p.bodystructure, '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 6 1 NIL NIL NIL NIL)');
  assert.deepEqual(p.from, []);
});

test('an empty Reply-To falls back to From', () => {
  const p = parse(['From: a@example.com', 'Reply-To: ', 'Subject: s', '', '']);
  assert.equal(
    p.envelope,
    '(NIL "s" ((NIL NIL "a" "example.com")) ((NIL NIL "a" "example.com")) ((NIL NIL "a" "example.com")) NIL NIL NIL NIL NIL)',
  );
});

test('strings that need a literal or escapes', () => {
  const p = parse([
    'From: "Q \\"uoted\\"" <q@example.com>',
    'Subject: a "b" c',
    'Message-ID: <"x"@example.com>',
    'Content-Type: text/plain; name="a\\\\b"',
    'Content-Description: one "two"',
    '',
    'x',
  ]);
  assert.equal(
    p.envelope,
    '(NIL {7}\r\na "b" c (({9}\r\nQ "uoted" NIL "q" "example.com")) (({9}\r\nQ "uoted" NIL "q" "example.com")) ' +
      '(({9}\r\nQ "uoted" NIL "q" "example.com")) NIL NIL NIL NIL "<\\"x\\"@example.com>")',
  );
  assert.equal(
    p.bodystructure,
    '("text" "plain" ("name" "a\\\\b" "charset" "us-ascii") NIL "one \\"two\\"" "7bit" 1 0 NIL NIL NIL NIL)',
  );
});
