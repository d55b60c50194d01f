// MULTIAPPEND (RFC 3502): several messages in one APPEND, each with its own flags and date; one
// APPENDUID with every new UID; all or nothing. Raw socket, whole responses asserted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RawImap } from './_client.ts';
import { startImap, type ImapTestEnv } from './_setup.ts';

let env: ImapTestEnv;
let c: RawImap;
before(async () => {
  env = await startImap({ NESTBOX_MAX_MESSAGE_SIZE: '4096' });
  c = await env.login();
});
after(async () => {
  c.close();
  await env.srv.stop();
});

// RFC 3502 §6's example messages
const MSG1 = [
  'Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)',
  'From: Fred Foobar <foobar@Blurdybloop.example.COM>',
  'Subject: afternoon meeting',
  'To: mooch@owatagu.example.net',
  'Message-Id: <B27397-0100000@Blurdybloop.example.COM>',
  'MIME-Version: 1.0',
  'Content-Type: TEXT/PLAIN; CHARSET=US-ASCII',
  '',
  'Hello Joe, do you think we can meet at 3:30 tomorrow?',
  '',
].join('\r\n');
const MSG2 = [
  'Date: Mon, 7 Feb 1994 22:43:04 -0800 (PST)',
  'From: Joe Mooch <mooch@OWaTaGu.example.net>',
  'Subject: Re: afternoon meeting',
  'To: foobar@blurdybloop.example.com',
  'Message-Id: <a0434793874930@OWaTaGu.example.net>',
  'MIME-Version: 1.0',
  'Content-Type: TEXT/PLAIN; CHARSET=US-ASCII',
  '',
  '3:30 is fine with me.',
  '',
].join('\r\n');
const lit = (s: string) => `{${Buffer.byteLength(s)}+}\r\n${s}`;

test('RFC 3502 §6: two messages with synchronising literals, one APPENDUID for both', async () => {
  const box = (await env.srv.store.mailboxes.get(env.user.id, 'Archive'))!;
  c.write(`A003 APPEND Archive (\\Seen) {${MSG1.length}}\r\n`);
  assert.equal(await c.response(), '+ Ready for literal data');
  c.write(`${MSG1} (\\Seen) " 7-Feb-1994 22:43:04 -0800" {${MSG2.length}}\r\n`);
  assert.equal(await c.response(), '+ Ready for literal data');
  c.write(`${MSG2}\r\n`);
  assert.deepEqual(await c.until('A003'), [`A003 OK [APPENDUID ${box.uidValidity} 1:2] APPEND completed`]);
  assert.deepEqual(await c.command('b1', 'EXAMINE Archive'), [
    '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)',
    '* OK [PERMANENTFLAGS ()] Read-only mailbox',
    '* 2 EXISTS',
    '* 2 RECENT',
    `* OK [UIDVALIDITY ${box.uidValidity}] UIDs valid`,
    '* OK [UIDNEXT 3] Predicted next UID',
    'b1 OK [READ-ONLY] EXAMINE completed',
  ]);
  const fetched = await c.command('b2', 'FETCH 1:2 (UID FLAGS INTERNALDATE RFC822.SIZE)');
  assert.equal(
    fetched[0],
    `* 1 FETCH (UID 1 FLAGS (\\Seen \\Recent) INTERNALDATE "${fetched[0]!.match(/INTERNALDATE "([^"]+)"/)![1]}" RFC822.SIZE ${MSG1.length})`,
  );
  assert.deepEqual(fetched.slice(1), [
    `* 2 FETCH (UID 2 FLAGS (\\Seen \\Recent) INTERNALDATE "08-Feb-1994 06:43:04 +0000" RFC822.SIZE ${MSG2.length})`,
    'b2 OK FETCH completed',
  ]);
  assert.deepEqual(await c.command('b3', 'UID FETCH 2 BODY.PEEK[HEADER.FIELDS (SUBJECT)]'), [
    '* 2 FETCH (UID 2 BODY[HEADER.FIELDS (SUBJECT)] {34}\r\nSubject: Re: afternoon meeting\r\n\r\n)',
    'b3 OK UID FETCH completed',
  ]);
  assert.deepEqual(await c.command('b4', 'CLOSE'), ['b4 OK CLOSE completed']);
});

test('RFC 3502 §3: when a message cannot be stored none of them is, and the reason is given', async () => {
  const carol = await env.newUser('carol');
  // room for the first message only
  await env.srv.store.users.update(carol.id, { quota: MSG1.length + 10 });
  const d = await env.login({ username: 'carol' });
  assert.deepEqual(await d.command('c1', `APPEND INBOX ${lit(MSG1)} ${lit(MSG2)}`), [
    'c1 NO [OVERQUOTA] Quota exceeded',
  ]);
  // none is stored; the refused message may have used up a UID (its quota is checked beside its
  // UID allocation), and UIDs need only ascend (RFC 3501 §2.3.1.1)
  const status = await d.command('c2', 'STATUS INBOX (MESSAGES UIDNEXT)');
  const next = Number(/UIDNEXT (\d+)/.exec(status[0]!)?.[1]);
  assert.match(status[0]!, /^\* STATUS "INBOX" \(MESSAGES 0 UIDNEXT [23]\)$/);
  assert.equal(status[1], 'c2 OK STATUS completed');
  // the quota taken by the undone message was given back: one message still fits
  const box = (await env.srv.store.mailboxes.get(carol.id, 'INBOX'))!;
  assert.deepEqual(await d.command('c3', `APPEND INBOX ${lit(MSG1)}`), [
    `c3 OK [APPENDUID ${box.uidValidity} ${next}] APPEND completed`,
  ]);
  d.close();
});

test('errors: a missing literal is BAD, too many messages, too many bytes together, TRYCREATE', async () => {
  assert.deepEqual(await c.command('d1', `APPEND Trash ${lit(MSG1)} (\\Seen)`), [
    'd1 BAD Missing message literal',
  ]);
  assert.deepEqual(await c.command('d2', `APPEND Trash ${lit(MSG1)} "junk" ${lit(MSG2)}`), [
    'd2 BAD Invalid date-time',
  ]);
  const many = Array.from({ length: 1001 }, () => lit('x')).join(' ');
  assert.deepEqual(await c.command('d3', `APPEND Trash ${many}`), [
    'd3 BAD More than 1000 messages in one APPEND',
  ]);
  // each fits the APPENDLIMIT of 4096 bytes, not the three together
  const big = `Subject: big\r\n\r\n${'y'.repeat(1500)}\r\n`;
  assert.deepEqual(await c.command('d4', `APPEND Trash ${lit(big)} ${lit(big)} ${lit(big)}`), [
    'd4 NO [TOOBIG] Messages together larger than the APPENDLIMIT of 4096 bytes',
  ]);
  assert.deepEqual(await c.command('d5', `APPEND Nowhere ${lit(MSG1)} ${lit(MSG2)}`), [
    'd5 NO [TRYCREATE] No such mailbox',
  ]);
  assert.deepEqual(await c.command('d6', 'STATUS Trash (MESSAGES UIDNEXT)'), [
    '* STATUS "Trash" (MESSAGES 0 UIDNEXT 1)',
    'd6 OK STATUS completed',
  ]);
});
