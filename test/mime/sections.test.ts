// FETCH BODY[section] bytes (RFC 3501 §6.4.5) on hand-written messages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BSON } from 'mongodb';
import {
  messagePieces,
  messageSize,
  parseMessage,
  resolveSection,
  streamMessage,
} from '../../server/mime/index.ts';
import type { MimeTree, ParsedMessage, SectionSpec } from '../../server/mime/index.ts';
import { bodiesOf, collect } from './support.ts';

const message = [
  'From: a@example.com',
  'Subject: Outer',
  '  folded on',
  'To: b@example.com',
  'Content-Type: multipart/mixed; boundary=m',
  '',
  'preamble',
  '--m',
  'Content-Type: text/plain',
  '',
  'part one',
  '--m',
  'Content-Type: multipart/alternative; boundary=a',
  '',
  '--a',
  'Content-Type: text/plain',
  '',
  'alt plain',
  '--a',
  'Content-Type: text/html',
  '',
  '<p>alt html</p>',
  '--a--',
  '',
  '--m',
  'Content-Type: message/rfc822',
  'Content-Description: forwarded',
  '',
  'From: inner@example.com',
  'Subject: Inner',
  'Content-Type: multipart/mixed; boundary=i',
  '',
  '--i',
  'Content-Type: text/plain',
  '',
  'inner one',
  '--i',
  'Content-Type: message/rfc822',
  '',
  'Subject: Deepest',
  '',
  'deepest body',
  '--i--',
  '',
  '--m',
  'Content-Type: message/rfc822',
  '',
  'Subject: Simple',
  '',
  'simple body',
  '--m--',
  'epilogue',
  '',
].join('\r\n');

async function fetchSection(p: ParsedMessage, spec: SectionSpec): Promise<string | null> {
  const section = resolveSection(p.tree, spec);
  if (!section) return null;
  const bytes = await collect(section.stream(bodiesOf(p)));
  assert.equal(section.size, bytes.length, 'size matches the streamed bytes');
  return bytes.toString('latin1');
}

for (const externalizeAbove of [64 * 1024, 4]) {
  test(`sections of a nested message (externalizeAbove ${externalizeAbove})`, async () => {
    const p = parseMessage(Buffer.from(message), { externalizeAbove });
    const cases: [SectionSpec, string | null][] = [
      [{}, message],
      [
        { kind: 'HEADER' },
        'From: a@example.com\r\nSubject: Outer\r\n  folded on\r\nTo: b@example.com\r\n' +
          'Content-Type: multipart/mixed; boundary=m\r\n\r\n',
      ],
      [{ kind: 'TEXT' }, message.slice(message.indexOf('preamble'))],
      [
        { kind: 'HEADER.FIELDS', fields: ['subject', 'TO'] },
        'Subject: Outer\r\n  folded on\r\nTo: b@example.com\r\n\r\n',
      ],
      [
        { kind: 'HEADER.FIELDS.NOT', fields: ['Subject', 'content-type'] },
        'From: a@example.com\r\nTo: b@example.com\r\n\r\n',
      ],
      [{ kind: 'HEADER.FIELDS', fields: ['x-absent'] }, '\r\n'],
      [{ part: [1] }, 'part one'],
      [{ part: [1], kind: 'MIME' }, 'Content-Type: text/plain\r\n\r\n'],
      [{ part: [2], kind: 'MIME' }, 'Content-Type: multipart/alternative; boundary=a\r\n\r\n'],
      [
        { part: [2] },
        '--a\r\nContent-Type: text/plain\r\n\r\nalt plain\r\n--a\r\nContent-Type: text/html\r\n\r\n<p>alt html</p>\r\n--a--\r\n',
      ],
      [{ part: [2, 1] }, 'alt plain'],
      [{ part: [2, 2] }, '<p>alt html</p>'],
      [{ part: [2, 2], kind: 'MIME' }, 'Content-Type: text/html\r\n\r\n'],
      [{ part: [3], kind: 'MIME' }, 'Content-Type: message/rfc822\r\nContent-Description: forwarded\r\n\r\n'],
      [
        { part: [3], kind: 'HEADER' },
        'From: inner@example.com\r\nSubject: Inner\r\nContent-Type: multipart/mixed; boundary=i\r\n\r\n',
      ],
      [{ part: [3], kind: 'HEADER.FIELDS', fields: ['subject'] }, 'Subject: Inner\r\n\r\n'],
      [
        { part: [3], kind: 'TEXT' },
        '--i\r\nContent-Type: text/plain\r\n\r\ninner one\r\n--i\r\nContent-Type: message/rfc822\r\n\r\n' +
          'Subject: Deepest\r\n\r\ndeepest body\r\n--i--\r\n',
      ],
      [{ part: [3, 1] }, 'inner one'],
      [{ part: [3, 2], kind: 'HEADER' }, 'Subject: Deepest\r\n\r\n'],
      [{ part: [3, 2], kind: 'TEXT' }, 'deepest body'],
      [{ part: [3, 2, 1] }, 'deepest body'],
      [{ part: [4] }, 'Subject: Simple\r\n\r\nsimple body'],
      [{ part: [4], kind: 'HEADER' }, 'Subject: Simple\r\n\r\n'],
      [{ part: [4, 1] }, 'simple body'],
      // Sections that do not exist.
      [{ part: [5] }, null],
      [{ part: [1, 1] }, null],
      [{ part: [1], kind: 'HEADER' }, null],
      [{ kind: 'MIME' }, null],
    ];
    for (const [spec, want] of cases) {
      assert.equal(await fetchSection(p, spec), want, JSON.stringify(spec));
    }
  });
}

test('sections of a non-multipart message: part 1 is the body', async () => {
  const raw = 'Subject: plain\r\nX-A: 1\r\n\r\nJust text.\r\n';
  const p = parseMessage(Buffer.from(raw));
  assert.equal(await fetchSection(p, { part: [1] }), 'Just text.\r\n');
  assert.equal(await fetchSection(p, { part: [1], kind: 'MIME' }), 'Subject: plain\r\nX-A: 1\r\n\r\n');
  assert.equal(await fetchSection(p, { kind: 'TEXT' }), 'Just text.\r\n');
  assert.equal(await fetchSection(p, { part: [2] }), null);
});

test('partial fetch of a section', async () => {
  const p = parseMessage(Buffer.from(message), { externalizeAbove: 4 });
  const section = resolveSection(p.tree, { part: [2] })!;
  const got = await collect(section.stream(bodiesOf(p, 3), { start: 5, length: 30 }));
  assert.equal(got.toString(), 'Content-Type: text/plain\r\n\r\nal');
  const tail = await collect(section.stream(bodiesOf(p), { start: section.size - 6 }));
  assert.equal(tail.toString(), '--a--\r\n'.slice(1));
  const past = await collect(section.stream(bodiesOf(p), { start: section.size + 10, length: 5 }));
  assert.equal(past.length, 0);
});

test('HEADER.FIELDS adds a line break to a last field that lacks one', async () => {
  const p = parseMessage(Buffer.from('Subject: x\r\nX-Last: y'));
  assert.equal(await fetchSection(p, { kind: 'HEADER.FIELDS', fields: ['x-last'] }), 'X-Last: y\r\n\r\n');
  assert.equal(await fetchSection(p, { kind: 'HEADER' }), 'Subject: x\r\nX-Last: y');
});

test('a tree read back from the database (BSON Binary fields) streams the same bytes', async () => {
  const raw = Buffer.from(message);
  const p = parseMessage(raw, { externalizeAbove: 4 });
  const stored = BSON.deserialize(BSON.serialize({ tree: p.tree })) as { tree: MimeTree };
  assert.ok(!Buffer.isBuffer(stored.tree[0]!.header), 'fields come back as Binary');
  assert.equal(messageSize(stored.tree), raw.length);
  assert.ok((await collect(streamMessage(stored.tree, bodiesOf(p)))).equals(raw));
  const section = resolveSection(stored.tree, { part: [3], kind: 'HEADER.FIELDS', fields: ['subject'] })!;
  assert.equal((await collect(section.stream(bodiesOf(p)))).toString(), 'Subject: Inner\r\n\r\n');
  const mime = resolveSection(stored.tree, { part: [2, 2], kind: 'MIME' })!;
  assert.equal((await collect(mime.stream(bodiesOf(p)))).toString(), 'Content-Type: text/html\r\n\r\n');
});

test('a message held whole in memory comes as pieces equal to its stream; a GridFS body makes it null', async () => {
  const raw = Buffer.from(message);
  const inline = parseMessage(raw);
  assert.ok(Buffer.concat(messagePieces(inline.tree)!).equals(raw));
  assert.ok(Buffer.concat(messagePieces(inline.tree, { start: 5, length: 30 })!).equals(raw.subarray(5, 35)));
  assert.equal(Buffer.concat(messagePieces(inline.tree, { start: raw.length + 3 })!).length, 0);
  const apart = parseMessage(raw, { externalizeAbove: 4 });
  assert.equal(messagePieces(apart.tree), null, 'a body kept apart must be streamed');
  // a range that stops before the first body kept apart needs none of it
  const head = messagePieces(apart.tree, { start: 0, length: 10 });
  assert.ok(head && Buffer.concat(head).equals(raw.subarray(0, 10)));
  assert.ok((await collect(streamMessage(apart.tree, bodiesOf(apart)))).equals(raw));
});
