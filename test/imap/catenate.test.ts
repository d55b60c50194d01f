// CATENATE (RFC 4469): APPEND builds a message from literal text and IMAP URLs of the user's own
// messages and parts; NO [BADURL] and NO [TOOBIG] store nothing. Raw socket, whole responses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RawImap } from './_client.ts';
import { startImap, type ImapTestEnv } from './_setup.ts';

let env: ImapTestEnv;
let c: RawImap;
let v: number;

const B = '------------030308070208000400050907';
const HEADER = [
  'From: Fred <fred@example.test>',
  'Subject: fwd',
  'MIME-Version: 1.0',
  `Content-Type: multipart/mixed; boundary="${B}"`,
  '',
  '',
].join('\r\n');
const PART1_MIME = 'Content-Type: text/plain\r\n\r\n';
const PART1 = 'See the attached message.';
const DRAFT = `${HEADER}--${B}\r\n${PART1_MIME}${PART1}\r\n--${B}--\r\n`;
const ATTACHED = 'From: Joe <joe@example.test>\r\nSubject: minutes\r\n\r\n3:30 is fine.\r\n';
const lit = (s: string) => `{${Buffer.byteLength(s)}+}\r\n${s}`;

before(async () => {
  env = await startImap({ NESTBOX_MAX_MESSAGE_SIZE: '4096' });
  c = await env.login();
  for (const m of [DRAFT, ATTACHED])
    assert.match((await c.command('s', `APPEND Drafts ${lit(m)}`)).at(-1)!, /^s OK /);
  v = (await env.srv.store.mailboxes.get(env.user.id, 'Drafts'))!.uidValidity;
});
after(async () => {
  c.close();
  await env.srv.stop();
});

/** UID FETCH in Drafts, opened read-only for it so APPEND answers stay free of EXISTS. */
async function fetchDraft(uid: number, items: string): Promise<string> {
  assert.match((await c.command('x', 'EXAMINE Drafts')).at(-1)!, /^x OK /);
  const r = await c.command('f', `UID FETCH ${uid} ${items}`);
  assert.deepEqual(await c.command('u', 'UNSELECT'), ['u OK UNSELECT completed']);
  assert.equal(r.length, 2);
  assert.equal(r[1], 'f OK UID FETCH completed');
  return r[0]!;
}

async function body(uid: number): Promise<string> {
  const r = await fetchDraft(uid, 'BODY.PEEK[]');
  return r.replace(/^\* \d+ FETCH \(UID \d+ BODY\[\] \{\d+\}\r\n/, '').replace(/\)$/, '');
}

test('RFC 4469 §4: a forward assembled from sections of a draft and a whole message', async () => {
  const url = (rest: string) => `"/Drafts;UIDVALIDITY=${v}/;UID=${rest}"`;
  const text1 = `--${B}\r\n`;
  const text2 = `\r\n--${B}\r\nContent-Type: message/rfc822\r\n\r\n`;
  const text3 = `\r\n--${B}--\r\n`;
  c.write(
    `A003 APPEND Drafts (\\Seen \\Draft $MDNSent) CATENATE (URL ${url('1/;section=HEADER')} TEXT {${text1.length}}\r\n`,
  );
  assert.equal(await c.response(), '+ Ready for literal data');
  c.write(`${text1} URL ${url('1/;section=1.MIME')} URL ${url('1/;section=1')} TEXT {${text2.length}}\r\n`);
  assert.equal(await c.response(), '+ Ready for literal data');
  c.write(`${text2} URL ${url('2')} TEXT {${text3.length}}\r\n`);
  assert.equal(await c.response(), '+ Ready for literal data');
  c.write(`${text3})\r\n`);
  assert.deepEqual(await c.until('A003'), [`A003 OK [APPENDUID ${v} 3] APPEND completed`]);
  assert.equal(await body(3), HEADER + text1 + PART1_MIME + PART1 + text2 + ATTACHED + text3);
  assert.equal(await fetchDraft(3, 'FLAGS'), '* 3 FETCH (UID 3 FLAGS (\\Seen \\Draft $MDNSent \\Recent))');
});

test('URLs without UIDVALIDITY, with PARTIAL and percent-encoding; CATENATE inside MULTIAPPEND', async () => {
  assert.deepEqual(
    await c.command(
      'b1',
      `APPEND Drafts CATENATE (URL "/%44rafts/;UID=2/;PARTIAL=0.30" TEXT ${lit('\r\nhi\r\n')}) ${lit(ATTACHED)}`,
    ),
    [`b1 OK [APPENDUID ${v} 4:5] APPEND completed`],
  );
  assert.equal(await body(4), 'From: Joe <joe@example.test>\r\n\r\nhi\r\n');
  assert.equal(await body(5), ATTACHED);
});

test("RFC 4469 §5: NO [BADURL] for a URL that names nothing of the user's, and nothing is stored", async () => {
  const cases = [
    `/Drafts;UIDVALIDITY=${v + 1}/;UID=1`,
    `/Drafts;UIDVALIDITY=${v}/;UID=99`,
    `/Drafts;UIDVALIDITY=${v}/;UID=1/;SECTION=9`,
    `/Drafts;UIDVALIDITY=${v}/;UID=1/;SECTION=HEADER.FIELDS%20(FROM)`,
    '/Nowhere/;UID=1',
    `/Drafts;UIDVALIDITY=${v}`,
    `imap://alice@localhost/Drafts;UIDVALIDITY=${v}/;UID=1`,
    `/Drafts/;UID=1/;URLAUTH=anonymous`,
  ];
  let n = 0;
  for (const u of cases) {
    const tag = `c${n++}`;
    assert.deepEqual(
      await c.command(tag, `APPEND Drafts CATENATE (TEXT ${lit('x')} URL "${u}")`),
      [`${tag} NO [BADURL ${u}] Bad URL`],
      u,
    );
  }
  // the first message was fine, the second had a bad URL: neither is stored
  assert.deepEqual(await c.command('c9', `APPEND Drafts ${lit(ATTACHED)} CATENATE (URL "/Drafts/;UID=77")`), [
    'c9 NO [BADURL /Drafts/;UID=77] Bad URL',
  ]);
  assert.deepEqual(await c.command('c10', 'STATUS Drafts (MESSAGES UIDNEXT)'), [
    '* STATUS "Drafts" (MESSAGES 5 UIDNEXT 6)',
    'c10 OK STATUS completed',
  ]);
});

test('NO [TOOBIG] past the APPENDLIMIT; CATENATE syntax errors are BAD', async () => {
  const big = `Subject: big\r\n\r\n${'z'.repeat(2500)}\r\n`;
  assert.match((await c.command('d0', `APPEND Trash ${lit(big)}`)).at(-1)!, /^d0 OK /);
  assert.deepEqual(
    await c.command('d1', 'APPEND Drafts CATENATE (URL "/Trash/;UID=1" URL "/Trash/;UID=1")'),
    ['d1 NO [TOOBIG] Message larger than the APPENDLIMIT of 4096 bytes'],
  );
  const cases: Array<[string, string]> = [
    ['APPEND Drafts CATENATE ()', 'CATENATE needs a list of parts'],
    ['APPEND Drafts CATENATE', 'CATENATE needs a list of parts'],
    ['APPEND Drafts CATENATE (TEXT "x")', 'TEXT needs a literal'],
    ['APPEND Drafts CATENATE (FOO "x")', 'Unknown CATENATE part: FOO'],
    ['APPEND Drafts CATENATE (URL)', 'Missing or invalid URL'],
    [
      `APPEND Drafts CATENATE (${Array.from({ length: 101 }, () => 'URL "/Trash/;UID=1"').join(' ')})`,
      'More than 100 CATENATE parts',
    ],
  ];
  let n = 0;
  for (const [cmd, text] of cases) {
    const tag = `e${n++}`;
    assert.deepEqual(await c.command(tag, cmd), [`${tag} BAD ${text}`], cmd);
  }
  assert.deepEqual(await c.command('e9', 'STATUS Drafts (MESSAGES)'), [
    '* STATUS "Drafts" (MESSAGES 5)',
    'e9 OK STATUS completed',
  ]);
});
