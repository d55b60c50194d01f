import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandReader } from '../../../server/imap/protocol/reader.ts';
import type { Token } from '../../../server/imap/protocol/reader.ts';
import { ProtocolError } from '../../../server/imap/protocol/errors.ts';
import {
  inSequenceSet,
  parseAppendArgs,
  parseDate,
  parseDateTime,
  parseFetchArgs,
  parseFetchItems,
  parseFlag,
  parseFlagList,
  parseSearch,
  parseSequenceSet,
  parseStatusItems,
  parseStoreArgs,
  resolveSequenceSet,
  sectionResponseName,
} from '../../../server/imap/protocol/parse.ts';

/** The arguments of one command line, through the real reader. */
function args(line: string): Token[] {
  const results = [...new CommandReader().feed(Buffer.from(`T X ${line}\r\n`))];
  const r = results[0];
  assert.equal(r?.kind, 'command', JSON.stringify(r));
  return r?.kind === 'command' ? r.args : [];
}
const bad = (fn: () => unknown, message: string) =>
  assert.throws(fn, (e: unknown) => e instanceof ProtocolError && e.message === message);

test('sequence sets parse and resolve against a maximum', () => {
  const set = parseSequenceSet('1:3,5,7:*,12:9');
  assert.deepEqual(set, [
    { start: 1, end: 3 },
    { start: 5, end: 5 },
    { start: 7, end: '*' },
    { start: 12, end: 9 },
  ]);
  assert.deepEqual(resolveSequenceSet(set, 10), [
    [1, 3],
    [5, 5],
    [7, 10],
  ]);
  assert.deepEqual(resolveSequenceSet(parseSequenceSet('900:*'), 4), [[4, 4]]);
  assert.deepEqual(resolveSequenceSet(parseSequenceSet('*'), 0), []);
  assert.equal(inSequenceSet(set, 6, 10), false);
  assert.equal(inSequenceSet(set, 8, 10), true);
  bad(() => parseSequenceSet('0'), 'Invalid sequence number: 0');
  bad(() => parseSequenceSet('1:2:3'), 'Invalid sequence set: 1:2:3');
  bad(() => parseSequenceSet('1,,2'), 'Invalid sequence number: ');
  bad(() => parseSequenceSet('4294967296'), 'Invalid sequence number: 4294967296');
  // RFC 5182 §3: `$` is the saved search result, only as the whole set
  assert.deepEqual({ ...parseSequenceSet('$') }, { saved: true });
  assert.equal(parseSequenceSet('$').length, 0);
  bad(() => parseSequenceSet('1,$'), 'Invalid sequence number: $');
  bad(() => parseSequenceSet('$:4'), 'Invalid sequence number: $');
});

test('FETCH macros, simple items, sections and partials', () => {
  assert.deepEqual(parseFetchItems(args('FAST')[0]), [
    { kind: 'FLAGS' },
    { kind: 'INTERNALDATE' },
    { kind: 'RFC822.SIZE' },
  ]);
  assert.deepEqual(
    parseFetchArgs(
      args(
        '1:* (uid body.peek[1.2.header.fields (From "To")]<0.100> BODY[] BODY[TEXT] BODY[3.MIME] rfc822.size)',
      ),
      false,
    ),
    {
      set: [{ start: 1, end: '*' }],
      items: [
        { kind: 'UID' },
        {
          kind: 'BODY[]',
          peek: true,
          section: { parts: [1, 2], kind: 'HEADER.FIELDS', fields: ['From', 'To'] },
          partial: { start: 0, length: 100 },
        },
        { kind: 'BODY[]', peek: false, section: { parts: [] } },
        { kind: 'BODY[]', peek: false, section: { parts: [], kind: 'TEXT' } },
        { kind: 'BODY[]', peek: false, section: { parts: [3], kind: 'MIME' } },
        { kind: 'RFC822.SIZE' },
      ],
    },
  );
  assert.deepEqual(parseFetchArgs(args('5 FLAGS'), true), {
    set: [{ start: 5, end: 5 }],
    items: [{ kind: 'UID' }, { kind: 'FLAGS' }],
  });
  const [item] = parseFetchItems(args('BODY[2.HEADER.FIELDS.NOT (X-A)]<10.5>')[0]);
  assert.ok(item?.kind === 'BODY[]');
  if (item?.kind === 'BODY[]') assert.equal(sectionResponseName(item), 'BODY[2.HEADER.FIELDS.NOT (X-A)]<10>');
  bad(() => parseFetchItems(args('BODY[MIME]')[0]), 'MIME needs a part number');
  bad(() => parseFetchItems(args('BODY[HEADER.FIELDS]')[0]), 'Invalid section');
  bad(() => parseFetchItems(args('BODY[0]')[0]), 'Invalid section');
  bad(() => parseFetchItems(args('BODY[]<1.0>')[0]), 'Invalid number: 0');
  bad(() => parseFetchItems(args('BODY[]<1>')[0]), 'Invalid partial');
  bad(() => parseFetchItems(args('(ALL)')[0]), 'Unknown fetch item: ALL');
  // RFC 3516 §6 BINARY items
  assert.deepEqual(parseFetchItems(args('(BINARY[1.2]<0.10> BINARY.PEEK[] BINARY.SIZE[3])')[0]), [
    { kind: 'BINARY[]', peek: false, part: [1, 2], partial: { start: 0, length: 10 } },
    { kind: 'BINARY[]', peek: true, part: [] },
    { kind: 'BINARY.SIZE', part: [3] },
  ]);
  bad(() => parseFetchItems(args('BINARY[1.MIME]')[0]), 'Invalid binary section');
  bad(() => parseFetchItems(args('BINARY.SIZE[1]<0.5>')[0]), 'BINARY.SIZE takes no partial');
  bad(() => parseFetchItems(args('BINARYX[1]')[0]), 'Unknown fetch item: BINARYX');
  bad(() => parseFetchArgs(args('1 FLAGS extra'), false), 'Too many arguments');
});

test('flag lists and STORE', () => {
  assert.deepEqual(parseFlagList(args('(\\seen \\FLAGGED $Label1 \\Seen)')), [
    '\\Seen',
    '\\Flagged',
    '$Label1',
  ]);
  assert.deepEqual(parseStoreArgs(args('1:2 +FLAGS.SILENT \\Deleted foo')), {
    set: [{ start: 1, end: 2 }],
    op: 'add',
    silent: true,
    flags: ['\\Deleted', 'foo'],
  });
  assert.deepEqual(parseStoreArgs(args('3 FLAGS ()')), {
    set: [{ start: 3, end: 3 }],
    op: 'replace',
    silent: false,
    flags: [],
  });
  assert.deepEqual(parseFlagList(args('(\\Recent \\seen)')), ['\\Seen']);
  bad(() => parseFlag('\\Recent'), 'Invalid flag: \\Recent');
  bad(() => parseFlagList(args('(\\*)')), 'Invalid flag: \\*');
  bad(() => parseFlagList(args('(a%b)')), 'Invalid keyword: a%b');
  bad(() => parseStoreArgs(args('1 XFLAGS \\Seen')), 'Invalid store item');
});

test('dates and date-times are validated', () => {
  assert.deepEqual(parseDate('1-Feb-2024'), { year: 2024, month: 2, day: 1 });
  assert.deepEqual(parseDate('29-feb-2024'), { year: 2024, month: 2, day: 29 });
  bad(() => parseDate('29-Feb-2023'), 'Invalid date');
  bad(() => parseDate('1-Foo-2023'), 'Invalid date');
  bad(() => parseDate('2023-01-01'), 'Invalid date');
  assert.deepEqual(parseDateTime(' 7-Jul-2025 10:20:30 +0230'), {
    date: new Date('2025-07-07T07:50:30Z'),
    offsetMinutes: 150,
  });
  assert.deepEqual(parseDateTime('17-Jul-2025 23:59:59 -0500'), {
    date: new Date('2025-07-18T04:59:59Z'),
    offsetMinutes: -300,
  });
  bad(() => parseDateTime('17-Jul-2025 24:00:00 +0000'), 'Invalid date-time');
  bad(() => parseDateTime('7-Jul-2025 10:20:30 +0000'), 'Invalid date-time');
  bad(() => parseDateTime('31-Apr-2025 10:20:30 +0000'), 'Invalid date');
  bad(() => parseDateTime('17-Jul-2025 10:20:30 +0060'), 'Invalid date-time');
});

test('SEARCH: every RFC 3501 key, groups, NOT/OR, sequence sets and CHARSET', () => {
  const all = parseSearch(
    args(
      'CHARSET utf-8 ALL ANSWERED BCC a BEFORE 1-Jan-2020 BODY b CC c DELETED DRAFT FLAGGED FROM d ' +
        'HEADER X-Y e KEYWORD $k LARGER 10 NEW NOT OLD ON 2-Jan-2020 OR RECENT SEEN SENTBEFORE 3-Jan-2020 ' +
        'SENTON 4-Jan-2020 SENTSINCE 5-Jan-2020 SINCE 6-Jan-2020 SMALLER 20 SUBJECT f TEXT g TO h UID 1:* ' +
        'UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNKEYWORD $j UNSEEN 2,4:5',
    ),
  );
  const flag = (f: string, value: boolean) => ({ type: 'flag', flag: f, value });
  const d = (field: string, op: string, day: number) => ({
    type: 'date',
    field,
    op,
    date: { year: 2020, month: 1, day },
  });
  assert.deepEqual(all, {
    charset: 'UTF-8',
    key: {
      type: 'and',
      keys: [
        { type: 'all' },
        flag('\\Answered', true),
        { type: 'field', field: 'bcc', value: 'a' },
        d('internal', 'before', 1),
        { type: 'body', value: 'b' },
        { type: 'field', field: 'cc', value: 'c' },
        flag('\\Deleted', true),
        flag('\\Draft', true),
        flag('\\Flagged', true),
        { type: 'field', field: 'from', value: 'd' },
        { type: 'header', field: 'x-y', value: 'e' },
        flag('$k', true),
        { type: 'size', op: 'larger', value: 10 },
        { type: 'and', keys: [flag('\\Recent', true), flag('\\Seen', false)] },
        { type: 'not', key: flag('\\Recent', false) },
        d('internal', 'on', 2),
        { type: 'or', left: flag('\\Recent', true), right: flag('\\Seen', true) },
        d('sent', 'before', 3),
        d('sent', 'on', 4),
        d('sent', 'since', 5),
        d('internal', 'since', 6),
        { type: 'size', op: 'smaller', value: 20 },
        { type: 'field', field: 'subject', value: 'f' },
        { type: 'text', value: 'g' },
        { type: 'field', field: 'to', value: 'h' },
        { type: 'uid', set: [{ start: 1, end: '*' }] },
        flag('\\Answered', false),
        flag('\\Deleted', false),
        flag('\\Draft', false),
        flag('\\Flagged', false),
        flag('$j', false),
        flag('\\Seen', false),
        {
          type: 'seq',
          set: [
            { start: 2, end: 2 },
            { start: 4, end: 5 },
          ],
        },
      ],
    },
  });
  assert.deepEqual(parseSearch(args('SUBJECT {3+}\r\nabc')), {
    key: { type: 'field', field: 'subject', value: 'abc' },
  });
  assert.deepEqual(parseSearch(args('(OR SEEN (DELETED))')), {
    key: { type: 'or', left: flag('\\Seen', true), right: flag('\\Deleted', true) },
  });
  bad(() => parseSearch(args('FOO')), 'Unknown search key: FOO');
  bad(() => parseSearch(args('SINCE 1-Jan')), 'Invalid date');
  bad(() => parseSearch(args('OR SEEN')), 'Missing search key');
  bad(() => parseSearch(args('SUBJECT')), 'Missing or invalid SUBJECT argument');
  bad(() => parseSearch(args('CHARSET')), 'Missing or invalid charset');
  bad(() => parseSearch(args('NOT '.repeat(40) + 'ALL')), 'Search keys nested too deeply');
});

test('STATUS items and APPEND arguments', () => {
  assert.deepEqual(parseStatusItems(args('(messages UIDNEXT unseen MESSAGES)')[0]), [
    'MESSAGES',
    'UIDNEXT',
    'UNSEEN',
  ]);
  bad(() => parseStatusItems(args('()')[0]), 'Invalid status item list');
  bad(() => parseStatusItems(args('(FOO)')[0]), 'Unknown status item: FOO');
  assert.deepEqual(parseAppendArgs(args('inbox (\\Seen) "01-Feb-2024 10:00:00 +0000" {5+}\r\nhello')), {
    mailbox: 'INBOX',
    messages: [
      {
        flags: ['\\Seen'],
        date: { date: new Date('2024-02-01T10:00:00Z'), offsetMinutes: 0 },
        data: Buffer.from('hello'),
      },
    ],
  });
  assert.deepEqual(parseAppendArgs(args('Sent {2+}\r\nhi')), {
    mailbox: 'Sent',
    messages: [{ flags: [], data: Buffer.from('hi') }],
  });
  // RFC 3502 §6: several messages, each with its own flags and date
  assert.deepEqual(parseAppendArgs(args('Sent {2+}\r\nhi (\\Draft) {3+}\r\nyou')), {
    mailbox: 'Sent',
    messages: [
      { flags: [], data: Buffer.from('hi') },
      { flags: ['\\Draft'], data: Buffer.from('you') },
    ],
  });
  bad(
    () => parseAppendArgs(args('Sent {2+}\r\nhi {1+}\r\nx {1+}\r\ny'), { messages: 2, parts: 9 }),
    'More than 2 messages in one APPEND',
  );
  bad(() => parseAppendArgs(args('Sent {2+}\r\nhi (\\Seen)')), 'Missing message literal');
  bad(() => parseAppendArgs(args('Sent "hello"')), 'Invalid date-time');
  bad(() => parseAppendArgs(args('Sent ()')), 'Missing message literal');
});
