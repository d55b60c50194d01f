// SORT and UID SORT (RFC 5256 §3) with every key and SORT=DISPLAY (RFC 5957), ESORT (RFC 5267 §3)
// and THREAD=ORDEREDSUBJECT / THREAD=REFERENCES (RFC 5256 §3) over a raw socket, whole responses
// asserted. The mailbox is built so each key gives its own order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import type { RawImap } from './_client.ts';
import { startImap, type ImapTestEnv } from './_setup.ts';

let env: ImapTestEnv;
let c: RawImap;

interface Spec {
  subject: string;
  from?: string;
  to?: string;
  cc?: string;
  date: string;
  arrival: string;
  id: string;
  refs?: string;
  inReplyTo?: string;
  body: number;
}

// message n is MAILBOX[n - 1]; UIDs are n + 1 (one message is expunged first)
const MAILBOX: Spec[] = [
  {
    subject: 'Re: gamma',
    from: 'Aaron <zoe@x.test>',
    to: 'm@x.test',
    date: 'Fri, 3 Mar 2000 10:00:00 +0000',
    arrival: '10-Mar-2000 10:00:00 +0000',
    id: '<g2@x>',
    refs: '<g1@x>',
    body: 3000,
  },
  {
    subject: 'gamma',
    from: 'adam@x.test',
    date: 'Wed, 1 Mar 2000 10:00:00 +0000',
    arrival: '11-Mar-2000 10:00:00 +0000',
    id: '<g1@x>',
    body: 1000,
  },
  {
    subject: '[list] beta',
    from: 'Bea Smith <bea@y.test>',
    to: 'b@x.test',
    cc: 'q@x.test',
    date: 'Sun, 5 Mar 2000 01:00:00 +0000',
    arrival: '12-Mar-2000 10:00:00 +0000',
    id: '<b1@x>',
    body: 2000,
  },
  {
    // 07:30 UTC on 5 March: after message 3, although its own day is the 4th
    subject: 'Fwd: beta',
    from: '"Carl" <Carl@z.test>',
    to: 'Zed <a@x.test>',
    date: 'Sat, 4 Mar 2000 23:30:00 -0800',
    arrival: '09-Mar-2000 10:00:00 +0000',
    id: '<b2@x>',
    body: 4000,
  },
  {
    subject: 'alpha',
    from: 'Ann <dan@x.test>',
    to: 'c@x.test',
    date: 'Thu, 2 Mar 2000 10:00:00 +0000',
    arrival: '08-Mar-2000 10:00:00 +0000',
    id: '<a1@x>',
    body: 500,
  },
  {
    // answers the beta thread under another subject
    subject: 'Re: alpha',
    from: 'eve@x.test',
    date: 'Mon, 6 Mar 2000 12:00:00 +0000',
    arrival: '13-Mar-2000 10:00:00 +0000',
    id: '<a2@x>',
    inReplyTo: '<b1@x>',
    body: 5000,
  },
];

function render(s: Spec): string {
  const h = [`Subject: ${s.subject}`, `Date: ${s.date}`, `Message-ID: ${s.id}`];
  if (s.from) h.push(`From: ${s.from}`);
  if (s.to) h.push(`To: ${s.to}`);
  if (s.cc) h.push(`Cc: ${s.cc}`);
  if (s.refs) h.push(`References: ${s.refs}`);
  if (s.inReplyTo) h.push(`In-Reply-To: ${s.inReplyTo}`);
  return `${h.join('\r\n')}\r\n\r\n${'x'.repeat(s.body)}\r\n`;
}

async function append(tag: string, flags: string, date: string, body: string): Promise<void> {
  const r = await c.command(
    tag,
    `APPEND INBOX (${flags}) "${date}" {${Buffer.byteLength(body)}+}\r\n${body}`,
  );
  assert.match(r[r.length - 1]!, new RegExp(`^${tag} OK`), r.join('\n'));
}

before(async () => {
  env = await startImap();
  c = await env.login();
  await append('p1', '\\Deleted', '01-Jan-2000 00:00:00 +0000', 'Subject: gone\r\n\r\nx\r\n');
  await c.command('p2', 'SELECT INBOX');
  await c.command('p3', 'EXPUNGE');
  for (const [i, s] of MAILBOX.entries()) await append(`m${i + 1}`, '', s.arrival, render(s));
  await c.command('p4', 'SELECT INBOX');
});
after(async () => {
  c.close();
  await env.srv.stop();
});

test('CAPABILITY lists SORT, SORT=DISPLAY, ESORT and both THREAD algorithms', async () => {
  const caps = (await c.command('c1', 'CAPABILITY'))[0]!.split(' ');
  for (const cap of ['SORT', 'SORT=DISPLAY', 'ESORT', 'THREAD=ORDEREDSUBJECT', 'THREAD=REFERENCES']) {
    assert.ok(caps.includes(cap), cap);
  }
});

test('SORT: each key, REVERSE, several keys, UID SORT, a search that finds nothing', async () => {
  const cases: Array<[string, string]> = [
    ['ARRIVAL', '5 4 1 2 3 6'],
    ['REVERSE ARRIVAL', '6 3 2 1 4 5'],
    // Date: compared in UTC
    ['DATE', '2 5 1 3 4 6'],
    ['SIZE', '5 2 3 1 4 6'],
    // base subjects alpha, beta, gamma; equal ones stay in mailbox order
    ['SUBJECT', '5 6 3 4 1 2'],
    // RFC 5256 §3 example A283's shape
    ['SUBJECT REVERSE DATE', '6 5 4 3 1 2'],
    ['REVERSE SUBJECT DATE', '2 1 3 4 5 6'],
    // addr-mailbox of the first From: adam bea Carl dan eve zoe
    ['FROM', '2 3 4 5 6 1'],
    ['TO', '2 6 4 3 5 1'],
    ['CC', '1 2 4 5 6 3'],
    // RFC 5957: display names, or the address where there is none
    ['DISPLAYFROM', '1 2 5 3 4 6'],
    ['DISPLAYTO', '2 6 3 5 1 4'],
  ];
  for (const [i, [keys, want]] of cases.entries()) {
    assert.deepEqual(
      await c.command(`S${i}`, `SORT (${keys}) UTF-8 ALL`),
      [`* SORT ${want}`, `S${i} OK SORT completed`],
      keys,
    );
  }
  assert.deepEqual(await c.command('U1', 'UID SORT (SUBJECT REVERSE DATE) US-ASCII ALL'), [
    '* SORT 7 6 5 4 2 3',
    'U1 OK UID SORT completed',
  ]);
  assert.deepEqual(await c.command('U2', 'SORT (DATE) UTF-8 FROM "x.test" NOT 1'), [
    '* SORT 2 5 6',
    'U2 OK SORT completed',
  ]);
  // RFC 5256 §3 example A284
  assert.deepEqual(await c.command('U3', 'SORT (SUBJECT) US-ASCII TEXT "not in mailbox"'), [
    '* SORT',
    'U3 OK SORT completed',
  ]);
});

test('SORT errors: criteria, REVERSE, charset, search keys, state', async () => {
  assert.deepEqual(await c.command('E1', 'SORT () UTF-8 ALL'), ['E1 BAD Missing sort criteria']);
  assert.deepEqual(await c.command('E2', 'SORT SUBJECT UTF-8 ALL'), ['E2 BAD Missing sort criteria']);
  assert.deepEqual(await c.command('E3', 'SORT (FOO) UTF-8 ALL'), ['E3 BAD Unknown sort key: FOO']);
  assert.deepEqual(await c.command('E4', 'SORT (SUBJECT REVERSE) UTF-8 ALL'), [
    'E4 BAD REVERSE needs a sort key after it',
  ]);
  assert.deepEqual(await c.command('E5', 'SORT (REVERSE REVERSE DATE) UTF-8 ALL'), ['E5 BAD REVERSE twice']);
  assert.deepEqual(await c.command('E6', 'SORT (DATE) UTF-8'), ['E6 BAD Missing search key']);
  assert.deepEqual(await c.command('E7', 'SORT (DATE)'), ['E7 BAD Missing or invalid charset']);
  assert.deepEqual(await c.command('E8', 'SORT (DATE) KOI8-R ALL'), [
    'E8 NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset',
  ]);
  const other = await env.login();
  assert.deepEqual(await other.command('E9', 'SORT (DATE) UTF-8 ALL'), ['E9 BAD No mailbox selected']);
  other.close();
});

test('ESORT (RFC 5267 §3): SORT RETURN answers with ESEARCH in sort order; PARTIAL, SAVE', async () => {
  assert.deepEqual(await c.command('R1', 'SORT RETURN (MIN MAX COUNT) (DATE) UTF-8 ALL'), [
    '* ESEARCH (TAG "R1") MIN 2 MAX 6 COUNT 6',
    'R1 OK SORT completed',
  ]);
  // sort order kept; only ascending runs are joined
  assert.deepEqual(await c.command('R2', 'UID SORT RETURN (ALL) (ARRIVAL) UTF-8 ALL'), [
    '* ESEARCH (TAG "R2") UID ALL 6,5,2:4,7',
    'R2 OK UID SORT completed',
  ]);
  assert.deepEqual(await c.command('R3', 'SORT RETURN () (SIZE) UTF-8 ALL'), [
    '* ESEARCH (TAG "R3") ALL 5,2:3,1,4,6',
    'R3 OK SORT completed',
  ]);
  assert.deepEqual(await c.command('R4', 'SORT RETURN (PARTIAL 2:4) (SIZE) UTF-8 ALL'), [
    '* ESEARCH (TAG "R4") PARTIAL (2:4 2:3,1)',
    'R4 OK SORT completed',
  ]);
  assert.deepEqual(await c.command('R5', 'SORT RETURN (MIN ALL COUNT) (SIZE) UTF-8 DELETED'), [
    '* ESEARCH (TAG "R5") COUNT 0',
    'R5 OK SORT completed',
  ]);
  assert.deepEqual(await c.command('R6', 'SORT RETURN (SAVE) (SIZE) UTF-8 LARGER 2500'), [
    'R6 OK SORT completed',
  ]);
  assert.deepEqual(await c.command('R7', 'SEARCH $'), ['* SEARCH 1 4 6', 'R7 OK SEARCH completed']);
  assert.deepEqual(await c.command('R8', 'SORT RETURN (FOO) (SIZE) UTF-8 ALL'), [
    'R8 BAD Unknown return option: FOO',
  ]);
  // a SORT with SAVE that fails empties $, as a SEARCH does (RFC 5182 §2.1)
  assert.deepEqual(await c.command('R9', 'SORT RETURN (SAVE) (SIZE) UTF-8 BADKEY'), [
    'R9 BAD Unknown search key: BADKEY',
  ]);
  assert.deepEqual(await c.command('R10', 'SEARCH $'), ['* SEARCH', 'R10 OK SEARCH completed']);
});

test('THREAD ORDEREDSUBJECT and REFERENCES (RFC 5256 §3), UID THREAD, errors', async () => {
  assert.deepEqual(await c.command('T1', 'THREAD ORDEREDSUBJECT UTF-8 ALL'), [
    '* THREAD (2 1)(5 6)(3 4)',
    'T1 OK THREAD completed',
  ]);
  // 6 answers 3 by In-Reply-To; 4 joins 3 by subject as a forward; 1 answers 2
  assert.deepEqual(await c.command('T2', 'THREAD REFERENCES UTF-8 ALL'), [
    '* THREAD (2 1)(5)(3 (4)(6))',
    'T2 OK THREAD completed',
  ]);
  assert.deepEqual(await c.command('T3', 'UID THREAD REFERENCES US-ASCII ALL'), [
    '* THREAD (3 2)(6)(4 (5)(7))',
    'T3 OK UID THREAD completed',
  ]);
  // without 2, the parent of 1 is a dummy with one child, which takes its place
  assert.deepEqual(await c.command('T4', 'THREAD REFERENCES UTF-8 NOT 2'), [
    '* THREAD (5)(1)(3 (4)(6))',
    'T4 OK THREAD completed',
  ]);
  assert.deepEqual(await c.command('T5', 'THREAD ORDEREDSUBJECT UTF-8 DELETED'), [
    '* THREAD',
    'T5 OK THREAD completed',
  ]);
  assert.deepEqual(await c.command('T6', 'THREAD FOO UTF-8 ALL'), [
    'T6 BAD Unknown threading algorithm: FOO',
  ]);
  assert.deepEqual(await c.command('T7', 'THREAD REFERENCES KOI8-R ALL'), [
    'T7 NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset',
  ]);
  assert.deepEqual(await c.command('T8', 'THREAD REFERENCES UTF-8'), ['T8 BAD Missing search key']);
  assert.deepEqual(await c.command('T9', 'UID SORTX 1'), [
    'T9 BAD UID needs FETCH, STORE, SEARCH, COPY, MOVE, EXPUNGE, SORT or THREAD',
  ]);
});

// Python's imaplib has sort() and thread(); its generic untagged parsing takes ESEARCH
const PY = `
import imaplib, json, re, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
m.login(sys.argv[2], sys.argv[3])
m.select('INBOX')
out = [m.sort('(SUBJECT REVERSE DATE)', 'UTF-8', 'ALL'), m.thread('REFERENCES', 'UTF-8', 'ALL'),
       m.uid('SORT', '(ARRIVAL)', 'UTF-8', 'ALL'), m.uid('THREAD', 'ORDEREDSUBJECT', 'UTF-8', 'ALL')]
m.search(None, 'RETURN', '(MIN MAX COUNT)', 'ALL')
out.append(m.response('ESEARCH'))
print(json.dumps([[typ, [re.sub('TAG "[^"]+"', 'TAG "t"', d.decode()) for d in data]] for typ, data in out]))
m.logout()
`;

test('imaplib: sort(), thread(), UID SORT / THREAD and an ESEARCH reply', async () => {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      'python3',
      ['-c', PY, String(env.port), env.user.username, env.user.password],
      { timeout: 30_000 },
      (err, out, errText) => (err ? reject(new Error(`${err.message}\n${errText}`)) : resolve(out)),
    );
  });
  assert.deepEqual(JSON.parse(stdout), [
    ['OK', ['6 5 4 3 1 2']],
    ['OK', ['(2 1)(5)(3 (4)(6))']],
    ['OK', ['6 5 2 3 4 7']],
    ['OK', ['(3 2)(6 7)(4 5)']],
    ['ESEARCH', ['(TAG "t") MIN 1 MAX 6 COUNT 6']],
  ]);
});
