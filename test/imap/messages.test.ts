// APPEND, SELECT / EXAMINE, FETCH (every item), STORE, SEARCH, COPY, MOVE, EXPUNGE, UID forms,
// CLOSE, UNSELECT over a raw socket with complete responses asserted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RawImap } from './_client.ts';
import { startImap, type ImapTestEnv } from './_setup.ts';

let env: ImapTestEnv;
let c: RawImap;
let inboxId: string;
let uidValidity: number;

const MSG1 =
  'From: Bob Example <bob@example.test>\r\n' +
  'To: alice@example.test\r\n' +
  'Subject: Hello there\r\n' +
  'Date: Mon, 7 Feb 1994 11:52:25 -0800\r\n' +
  'Message-ID: <one@example.test>\r\n' +
  'X-Long: folded\r\n value\r\n' +
  '\r\n' +
  'Hello Alice,\r\nthis is the body.\r\n';
const MSG2 =
  'From: carol@example.test\r\nTo: alice@example.test\r\nSubject: Second\r\n' +
  'Date: Tue, 8 Feb 1994 10:00:00 +0000\r\nMIME-Version: 1.0\r\n' +
  'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n' +
  'preamble\r\n--b1\r\nContent-Type: text/plain\r\n\r\npart one\r\n' +
  '--b1\r\nContent-Type: text/html\r\n\r\n<p>part two</p>\r\n--b1--\r\n';
const MSG3 = 'From: dave@example.test\r\nSubject: third\r\n\r\nbig ' + 'x'.repeat(3000) + '\r\n';

function literal(s: string): string {
  return `{${Buffer.byteLength(s)}+}\r\n${s}`;
}

before(async () => {
  env = await startImap();
  c = await env.login();
  const inbox = (await env.srv.store.mailboxes.get(env.user.id, 'INBOX'))!;
  inboxId = inbox.id;
  uidValidity = inbox.uidValidity;
});
after(async () => {
  c.close();
  await env.srv.stop();
});

test('APPEND: synchronising literal, flags, date, APPENDUID; TRYCREATE; TOOBIG before the literal', async () => {
  assert.deepEqual(await c.command('s', 'SELECT INBOX'), [
    '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)',
    '* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted',
    '* 0 EXISTS',
    '* 0 RECENT',
    `* OK [UIDVALIDITY ${uidValidity}] UIDs valid`,
    '* OK [UIDNEXT 1] Predicted next UID',
    's OK [READ-WRITE] SELECT completed',
  ]);
  c.write(`a1 APPEND INBOX (\\Seen $Label1) "07-Feb-1994 21:52:25 -0800" {${Buffer.byteLength(MSG1)}}\r\n`);
  assert.equal(await c.response(), '+ Ready for literal data');
  c.write(MSG1 + '\r\n');
  // RFC 3501 §7.2.6: the new keyword is announced before the message that has it
  assert.deepEqual(await c.until('a1'), [
    '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label1)',
    '* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label1 \\*)] Flags permitted',
    '* 1 EXISTS',
    '* 1 RECENT',
    `a1 OK [APPENDUID ${uidValidity} 1] APPEND completed`,
  ]);
  assert.deepEqual(await c.command('a2', `APPEND inbox ${literal(MSG2)}`), [
    '* 2 EXISTS',
    '* 2 RECENT',
    `a2 OK [APPENDUID ${uidValidity} 2] APPEND completed`,
  ]);
  assert.deepEqual(await c.command('a3', `APPEND INBOX (\\Flagged) ${literal(MSG3)}`), [
    '* 3 EXISTS',
    '* 3 RECENT',
    `a3 OK [APPENDUID ${uidValidity} 3] APPEND completed`,
  ]);
  assert.deepEqual(await c.command('a4', `APPEND Nope ${literal(MSG1)}`), [
    'a4 NO [TRYCREATE] No such mailbox',
  ]);
  assert.deepEqual(await c.command('a5', `APPEND INBOX (\\Bogus) ${literal(MSG1)}`), [
    'a5 BAD Invalid flag: \\Bogus',
  ]);
  assert.deepEqual(await c.command('a6', `APPEND INBOX "31-Foo-2020 00:00:00 +0000" ${literal(MSG1)}`), [
    'a6 BAD Invalid date',
  ]);
  // larger than APPENDLIMIT: refused before any `+`, and the connection goes on
  c.write(`a7 APPEND INBOX {${64 * 1024 * 1024 + 1}}\r\n`);
  assert.deepEqual(await c.until('a7'), [
    'a7 NO [TOOBIG] Message larger than the APPENDLIMIT of 67108864 bytes',
  ]);
  assert.deepEqual(await c.command('a8', 'NOOP'), ['a8 OK NOOP completed']);
  const stored = await env.srv.store.messages.openRaw(env.user.id, inboxId, 1);
  const chunks: Buffer[] = [];
  for await (const ch of stored!.stream) chunks.push(ch as Buffer);
  assert.equal(Buffer.concat(chunks).toString('latin1'), MSG1);
});

async function stored(uid: number) {
  for await (const m of env.srv.store.messages.fetch(
    env.user.id,
    inboxId,
    [uid],
    ['envelope', 'bodystructure', 'body'],
  ))
    return m;
  throw new Error('missing');
}

test('FETCH: simple items, macros and UID FETCH', async () => {
  const m1 = await stored(1);
  assert.deepEqual(await c.command('f1', 'FETCH 1 (FLAGS INTERNALDATE RFC822.SIZE UID)'), [
    `* 1 FETCH (FLAGS (\\Seen $Label1 \\Recent) INTERNALDATE "08-Feb-1994 05:52:25 +0000" RFC822.SIZE ${Buffer.byteLength(MSG1)} UID 1)`,
    'f1 OK FETCH completed',
  ]);
  assert.deepEqual(await c.command('f2', 'FETCH 1 ALL'), [
    `* 1 FETCH (FLAGS (\\Seen $Label1 \\Recent) INTERNALDATE "08-Feb-1994 05:52:25 +0000" RFC822.SIZE ${Buffer.byteLength(MSG1)} ENVELOPE ${m1.envelope})`,
    'f2 OK FETCH completed',
  ]);
  assert.deepEqual(await c.command('f3', 'FETCH 1 FULL'), [
    `* 1 FETCH (FLAGS (\\Seen $Label1 \\Recent) INTERNALDATE "08-Feb-1994 05:52:25 +0000" RFC822.SIZE ${Buffer.byteLength(MSG1)} ENVELOPE ${m1.envelope} BODY ${m1.body})`,
    'f3 OK FETCH completed',
  ]);
  const m2 = await stored(2);
  assert.deepEqual(await c.command('f4', 'UID FETCH 2 (BODYSTRUCTURE)'), [
    `* 2 FETCH (UID 2 BODYSTRUCTURE ${m2.bodystructure})`,
    'f4 OK UID FETCH completed',
  ]);
  assert.deepEqual(await c.command('f5', 'FETCH 2:* FAST'), [
    `* 2 FETCH (FLAGS (\\Recent) INTERNALDATE ${await idate(2)} RFC822.SIZE ${Buffer.byteLength(MSG2)})`,
    `* 3 FETCH (FLAGS (\\Flagged \\Recent) INTERNALDATE ${await idate(3)} RFC822.SIZE ${Buffer.byteLength(MSG3)})`,
    'f5 OK FETCH completed',
  ]);
  assert.deepEqual(await c.command('f6', 'UID FETCH 3:* FLAGS'), [
    '* 3 FETCH (UID 3 FLAGS (\\Flagged \\Recent))',
    'f6 OK UID FETCH completed',
  ]);
  // RFC 3501 §6.4.8: `n:*` with n above the highest UID still means the last message
  assert.deepEqual(await c.command('f7', 'UID FETCH 99:* FLAGS'), [
    '* 3 FETCH (UID 3 FLAGS (\\Flagged \\Recent))',
    'f7 OK UID FETCH completed',
  ]);
  assert.deepEqual(await c.command('f8', 'UID FETCH 50:60 FLAGS'), ['f8 OK UID FETCH completed']);
  assert.deepEqual(await c.command('f9', 'FETCH 4 FLAGS'), ['f9 BAD Message number 4 does not exist']);
  assert.deepEqual(await c.command('f10', 'FETCH 1 (FLAGS BOGUS)'), ['f10 BAD Unknown fetch item: BOGUS']);
  assert.deepEqual(await c.command('f11', 'FETCH 0 FLAGS'), ['f11 BAD Invalid sequence number: 0']);
});

async function idate(uid: number): Promise<string> {
  for await (const m of env.srv.store.messages.fetch(env.user.id, inboxId, [uid], ['idate'])) {
    const d = m.idate!;
    const p = (n: number) => String(n).padStart(2, '0');
    const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][
      d.getUTCMonth()
    ];
    return `"${p(d.getUTCDate())}-${mon}-${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000"`;
  }
  throw new Error('missing');
}

test('FETCH body sections, partials, PEEK and \\Seen with FLAGS in the same response', async () => {
  const header = MSG1.slice(0, MSG1.indexOf('\r\n\r\n') + 4);
  const text = MSG1.slice(header.length);
  assert.deepEqual(await c.command('g1', 'FETCH 2 BODY.PEEK[HEADER]'), [
    `* 2 FETCH (BODY[HEADER] {${MSG2.indexOf('\r\n\r\n') + 4}}\r\n${MSG2.slice(0, MSG2.indexOf('\r\n\r\n') + 4)})`,
    'g1 OK FETCH completed',
  ]);
  assert.deepEqual(await c.command('g2', 'FETCH 2 (BODY.PEEK[1] BODY.PEEK[2.MIME] BODY.PEEK[2])'), [
    '* 2 FETCH (BODY[1] {8}\r\npart one BODY[2.MIME] {27}\r\nContent-Type: text/html\r\n\r\n BODY[2] {15}\r\n<p>part two</p>)',
    'g2 OK FETCH completed',
  ]);
  const fields = 'Subject: Hello there\r\nX-Long: folded\r\n value\r\n\r\n';
  assert.deepEqual(await c.command('g3', 'FETCH 1 (BODY.PEEK[HEADER.FIELDS (subject X-LONG)])'), [
    `* 1 FETCH (BODY[HEADER.FIELDS (subject X-LONG)] {${fields.length}}\r\n${fields})`,
    'g3 OK FETCH completed',
  ]);
  const notFields = header
    .replace('Subject: Hello there\r\n', '')
    .replace('Date: Mon, 7 Feb 1994 11:52:25 -0800\r\n', '');
  assert.deepEqual(await c.command('g4', 'FETCH 1 BODY.PEEK[HEADER.FIELDS.NOT (Subject Date)]'), [
    `* 1 FETCH (BODY[HEADER.FIELDS.NOT (Subject Date)] {${notFields.length}}\r\n${notFields})`,
    'g4 OK FETCH completed',
  ]);
  assert.deepEqual(
    await c.command('g5', 'FETCH 1 (BODY.PEEK[]<0.10> BODY.PEEK[TEXT]<6.5> BODY.PEEK[]<100000.5>)'),
    [
      `* 1 FETCH (BODY[]<0> {10}\r\n${MSG1.slice(0, 10)} BODY[TEXT]<6> {5}\r\n${text.slice(6, 11)} BODY[]<100000> {0}\r\n)`,
      'g5 OK FETCH completed',
    ],
  );
  assert.deepEqual(await c.command('g6', 'FETCH 1 (RFC822.HEADER)'), [
    `* 1 FETCH (RFC822.HEADER {${header.length}}\r\n${header})`,
    'g6 OK FETCH completed',
  ]);
  // message 2 is unseen: BODY[TEXT] sets \Seen and reports FLAGS in the same response
  const text2 = MSG2.slice(MSG2.indexOf('\r\n\r\n') + 4);
  assert.deepEqual(await c.command('g7', 'FETCH 2 BODY[TEXT]'), [
    `* 2 FETCH (BODY[TEXT] {${text2.length}}\r\n${text2} FLAGS (\\Seen \\Recent))`,
    'g7 OK FETCH completed',
  ]);
  assert.deepEqual(await c.command('g8', 'FETCH 3 (FLAGS RFC822)'), [
    `* 3 FETCH (FLAGS (\\Flagged \\Seen \\Recent) RFC822 {${MSG3.length}}\r\n${MSG3})`,
    'g8 OK FETCH completed',
  ]);
  assert.deepEqual(await c.command('g9', 'FETCH 1 (RFC822.TEXT)'), [
    `* 1 FETCH (RFC822.TEXT {${text.length}}\r\n${text})`,
    'g9 OK FETCH completed',
  ]);
  // a session's own flag changes are not reported again by the journal
  assert.deepEqual(await c.command('g10', 'NOOP'), ['g10 OK NOOP completed']);
  assert.deepEqual(await c.command('g11', 'FETCH 2 BODY.PEEK[5]'), [
    '* 2 FETCH (BODY[5] NIL)',
    'g11 OK FETCH completed',
  ]);
  assert.deepEqual(await c.command('g12', 'FETCH 1 BODY[MIME]'), ['g12 BAD MIME needs a part number']);
});

test('STORE: FLAGS, +FLAGS, -FLAGS, .SILENT, keywords, UID STORE', async () => {
  assert.deepEqual(await c.command('h1', 'STORE 1 +FLAGS (\\Flagged $Work)'), [
    '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label1 $Work)',
    '* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label1 $Work \\*)] Flags permitted',
    '* 1 FETCH (FLAGS (\\Seen $Label1 \\Flagged $Work \\Recent))',
    'h1 OK STORE completed',
  ]);
  assert.deepEqual(await c.command('h2', 'STORE 1:2 -FLAGS \\Seen'), [
    '* 1 FETCH (FLAGS ($Label1 \\Flagged $Work \\Recent))',
    '* 2 FETCH (FLAGS (\\Recent))',
    'h2 OK STORE completed',
  ]);
  assert.deepEqual(await c.command('h3', 'STORE 2 FLAGS.SILENT (\\Answered \\Draft)'), [
    'h3 OK STORE completed',
  ]);
  assert.deepEqual(await c.command('h4', 'UID STORE 2:3 +FLAGS (\\Seen)'), [
    '* 2 FETCH (UID 2 FLAGS (\\Answered \\Draft \\Seen \\Recent))',
    '* 3 FETCH (UID 3 FLAGS (\\Flagged \\Seen \\Recent))',
    'h4 OK UID STORE completed',
  ]);
  assert.deepEqual(await c.command('h5', 'STORE 1 FLAGS ()'), [
    '* 1 FETCH (FLAGS (\\Recent))',
    'h5 OK STORE completed',
  ]);
  assert.deepEqual(await c.command('h6', 'STORE 1 +FLAGS (\\Recent)'), [
    '* 1 FETCH (FLAGS (\\Recent))',
    'h6 OK STORE completed',
  ]);
  assert.deepEqual(await c.command('h7', 'STORE 1 BOGUS (\\Seen)'), ['h7 BAD Invalid store item']);
  assert.deepEqual(await c.command('h8', 'NOOP'), ['h8 OK NOOP completed']);
});

test('SEARCH: RFC 3501 keys, OR/NOT/parentheses, sets, CHARSET, UID SEARCH', async () => {
  const s = async (tag: string, q: string) => (await c.command(tag, q))[0];
  // flags now: 1 (), 2 (\Answered \Draft \Seen), 3 (\Flagged \Seen)
  assert.equal(await s('i1', 'SEARCH ALL'), '* SEARCH 1 2 3');
  assert.equal(await s('i2', 'SEARCH SEEN'), '* SEARCH 2 3');
  assert.equal(await s('i3', 'SEARCH UNSEEN'), '* SEARCH 1');
  assert.equal(await s('i4', 'SEARCH ANSWERED DRAFT'), '* SEARCH 2');
  assert.equal(await s('i5', 'SEARCH OR FLAGGED ANSWERED'), '* SEARCH 2 3');
  assert.equal(await s('i6', 'SEARCH NOT (FLAGGED)'), '* SEARCH 1 2');
  assert.equal(await s('i7', 'SEARCH FROM bob'), '* SEARCH 1');
  assert.equal(await s('i8', 'SEARCH SUBJECT "hello THERE"'), '* SEARCH 1');
  assert.equal(await s('i9', 'SEARCH BODY "part two"'), '* SEARCH 2');
  assert.equal(await s('i10', 'SEARCH TEXT carol'), '* SEARCH 2');
  assert.equal(await s('i11', 'SEARCH HEADER Message-ID "<one@"'), '* SEARCH 1');
  assert.equal(await s('i12', 'SEARCH TO alice UNDRAFT'), '* SEARCH 1');
  assert.equal(await s('i13', 'SEARCH LARGER 1000'), '* SEARCH 3');
  assert.equal(await s('i14', 'SEARCH SMALLER 1000'), '* SEARCH 1 2');
  assert.equal(await s('i15', 'SEARCH SENTBEFORE 8-Feb-1994'), '* SEARCH 1');
  assert.equal(await s('i16', 'SEARCH SENTON 8-Feb-1994'), '* SEARCH 2');
  assert.equal(await s('i17', 'SEARCH SENTSINCE 8-Feb-1994'), '* SEARCH 2 3');
  assert.equal(await s('i18', 'SEARCH ON 8-Feb-1994'), '* SEARCH 1');
  assert.equal(await s('i19', 'SEARCH BEFORE 1-Jan-2000 SINCE 1-Jan-1990'), '* SEARCH 1');
  assert.equal(await s('i20', 'SEARCH 2:* UID 1:2'), '* SEARCH 2');
  assert.equal(await s('i21', 'SEARCH RECENT'), '* SEARCH 1 2 3');
  assert.equal(await s('i22', 'SEARCH NEW'), '* SEARCH 1');
  assert.equal(await s('i23', 'SEARCH OLD'), '* SEARCH');
  assert.equal(await s('i24', 'SEARCH KEYWORD $Label1'), '* SEARCH');
  assert.equal(await s('i25', 'SEARCH UNKEYWORD $Label1 DELETED'), '* SEARCH');
  assert.equal(await s('i26', 'SEARCH CHARSET UTF-8 SUBJECT second'), '* SEARCH 2');
  assert.equal(await s('i27', 'UID SEARCH CHARSET us-ascii FLAGGED'), '* SEARCH 3');
  assert.deepEqual(await c.command('i28', 'SEARCH CHARSET KOI8-R ALL'), [
    'i28 NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset',
  ]);
  assert.deepEqual(await c.command('i29', 'SEARCH FROB'), ['i29 BAD Unknown search key: FROB']);
  assert.deepEqual(await c.command('i30', 'SEARCH'), ['i30 BAD Missing search key']);
  assert.deepEqual(await c.command('i31', 'SEARCH SINCE yesterday'), ['i31 BAD Invalid date']);
  assert.equal(await s('i33', 'SEARCH CC alice'), '* SEARCH');
  assert.equal(await s('i34', 'SEARCH BCC alice'), '* SEARCH');
  // an empty HEADER string matches every message that has the field
  assert.equal(await s('i35', 'SEARCH HEADER X-Long ""'), '* SEARCH 1');
  assert.equal(await s('i36', 'SEARCH (OR 1 3) (NOT UID 1)'), '* SEARCH 3');
  c.write(`i32 SEARCH CHARSET UTF-8 SUBJECT {6+}\r\nSecond\r\n`);
  assert.deepEqual(await c.until('i32'), ['* SEARCH 2', 'i32 OK SEARCH completed']);
});

test('COPY and MOVE with COPYUID; TRYCREATE; EXPUNGE numbering; UID EXPUNGE', async () => {
  const archive = (await env.srv.store.mailboxes.get(env.user.id, 'Archive'))!;
  assert.deepEqual(await c.command('j1', 'COPY 1:3 Archive'), [
    `j1 OK [COPYUID ${archive.uidValidity} 1:3 1:3] COPY completed`,
  ]);
  assert.deepEqual(await c.command('j2', 'UID COPY 2 Nope'), ['j2 NO [TRYCREATE] No such mailbox']);
  // copies into the selected mailbox appear as new messages before the tagged reply
  assert.deepEqual(await c.command('j3', 'UID COPY 1,3 INBOX'), [
    '* 5 EXISTS',
    '* 5 RECENT',
    `j3 OK [COPYUID ${uidValidity} 1,3 4:5] UID COPY completed`,
  ]);
  assert.deepEqual(await c.command('j4', 'MOVE 2 Archive'), [
    `* OK [COPYUID ${archive.uidValidity} 2 4] Moved`,
    '* 2 EXPUNGE',
    'j4 OK MOVE completed',
  ]);
  // now: 1→uid1, 2→uid3, 3→uid4, 4→uid5
  assert.deepEqual(await c.command('j5', 'STORE 1:3 +FLAGS.SILENT (\\Deleted)'), ['j5 OK STORE completed']);
  assert.deepEqual(await c.command('j6', 'UID EXPUNGE 3:4'), [
    '* 2 EXPUNGE',
    '* 2 EXPUNGE',
    'j6 OK UID EXPUNGE completed',
  ]);
  // now: 1→uid1 (\Deleted), 2→uid5
  assert.deepEqual(await c.command('j7', 'EXPUNGE'), ['* 1 EXPUNGE', 'j7 OK EXPUNGE completed']);
  assert.deepEqual(await c.command('j8', 'UID FETCH 1:* FLAGS'), [
    '* 1 FETCH (UID 5 FLAGS (\\Flagged \\Seen \\Recent))',
    'j8 OK UID FETCH completed',
  ]);
  // RFC 6851 §3.3: into the mailbox itself, with a new UID
  assert.deepEqual(await c.command('j9', 'UID MOVE 5 INBOX'), [
    `* OK [COPYUID ${uidValidity} 5 6] Moved`,
    '* 1 EXPUNGE',
    '* 1 EXISTS',
    '* 1 RECENT',
    'j9 OK UID MOVE completed',
  ]);
  assert.deepEqual(await c.command('j10', 'UID FOO 1'), [
    'j10 BAD UID needs FETCH, STORE, SEARCH, COPY, MOVE, EXPUNGE, SORT or THREAD',
  ]);
});

test('EXAMINE is read-only: no \\Seen, no STORE; CLOSE expunges silently, UNSELECT does not', async () => {
  const archive = (await env.srv.store.mailboxes.get(env.user.id, 'Archive'))!;
  const ex = await c.command('k1', 'EXAMINE Archive');
  assert.deepEqual(ex, [
    '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)',
    '* OK [PERMANENTFLAGS ()] Read-only mailbox',
    '* 4 EXISTS',
    '* 4 RECENT',
    '* OK [UNSEEN 1] First unseen message',
    `* OK [UIDVALIDITY ${archive.uidValidity}] UIDs valid`,
    '* OK [UIDNEXT 5] Predicted next UID',
    'k1 OK [READ-ONLY] EXAMINE completed',
  ]);
  assert.deepEqual(await c.command('k2', 'FETCH 1 (FLAGS BODY[]<0.4>)'), [
    '* 1 FETCH (FLAGS (\\Recent) BODY[]<0> {4}\r\nFrom)',
    'k2 OK FETCH completed',
  ]);
  assert.deepEqual(await c.command('k3', 'STORE 1 +FLAGS (\\Seen)'), [
    'k3 NO [READ-ONLY] Mailbox is read-only',
  ]);
  assert.deepEqual(await c.command('k4', 'EXPUNGE'), ['k4 NO [READ-ONLY] Mailbox is read-only']);
  // the read-write SELECT claims the \Recent messages EXAMINE only looked at
  const sel = await c.command('k5', 'SELECT Archive');
  assert.equal(sel[3], '* 4 RECENT');
  assert.deepEqual(await c.command('k6', 'STORE 1:2 +FLAGS.SILENT (\\Deleted)'), ['k6 OK STORE completed']);
  assert.deepEqual(await c.command('k7', 'UNSELECT'), ['k7 OK UNSELECT completed']);
  assert.equal((await env.srv.store.mailboxes.status(env.user.id, archive.id)).messages, 4);
  await c.command('k8', 'SELECT Archive');
  assert.deepEqual(await c.command('k9', 'CLOSE'), ['k9 OK CLOSE completed']);
  assert.equal((await env.srv.store.mailboxes.status(env.user.id, archive.id)).messages, 2);
  assert.deepEqual(await c.command('k10', 'FETCH 1 FLAGS'), ['k10 BAD No mailbox selected']);
  const status = await c.command('k11', 'STATUS Archive (MESSAGES RECENT UNSEEN UIDNEXT)');
  assert.deepEqual(status, [
    '* STATUS "Archive" (MESSAGES 2 RECENT 0 UNSEEN 0 UIDNEXT 5)',
    'k11 OK STATUS completed',
  ]);
});
