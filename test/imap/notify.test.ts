// Two sessions on one mailbox see each other's APPEND / STORE / EXPUNGE with correct numbers;
// RFC 3501 §7.4.1 holds EXPUNGE back during FETCH; IDLE pushes store-direct changes within a
// second; exactly one session gets a new message as \Recent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RawImap } from './_client.ts';
import { startImap, type ImapTestEnv } from './_setup.ts';

let env: ImapTestEnv;
let a: RawImap;
let b: RawImap;
let inbox: string;

const msg = (n: number) => `From: n${n}@example.test\r\nSubject: message ${n}\r\n\r\nbody ${n}\r\n`;
const lit = (s: string) => `{${s.length}+}\r\n${s}`;

before(async () => {
  env = await startImap();
  a = await env.login();
  b = await env.login();
  inbox = (await env.srv.store.mailboxes.get(env.user.id, 'INBOX'))!.id;
  await a.command('s', 'SELECT INBOX');
  await b.command('s', 'SELECT INBOX');
});
after(async () => {
  a.close();
  b.close();
  await env.srv.stop();
});

test('APPEND, STORE and EXPUNGE in one session reach the other with shifting numbers', async () => {
  for (let i = 1; i <= 3; i++) await a.command(`a${i}`, `APPEND INBOX ${lit(msg(i))}`);
  assert.deepEqual(await b.command('b1', 'NOOP'), ['* 3 EXISTS', '* 0 RECENT', 'b1 OK NOOP completed']);
  assert.deepEqual(await a.command('a4', 'STORE 2 +FLAGS (\\Seen)'), [
    '* 2 FETCH (FLAGS (\\Seen \\Recent))',
    'a4 OK STORE completed',
  ]);
  assert.deepEqual(await b.command('b2', 'NOOP'), [
    '* 2 FETCH (UID 2 FLAGS (\\Seen))',
    'b2 OK NOOP completed',
  ]);
  assert.deepEqual(await a.command('a5', 'STORE 1,3 +FLAGS.SILENT (\\Deleted)'), ['a5 OK STORE completed']);
  assert.deepEqual(await a.command('a6', 'EXPUNGE'), [
    '* 1 EXPUNGE',
    '* 2 EXPUNGE',
    'a6 OK EXPUNGE completed',
  ]);
  // the session learns what the mailbox is now: messages already gone get no FETCH first
  assert.deepEqual(await b.command('b3', 'NOOP'), ['* 1 EXPUNGE', '* 2 EXPUNGE', 'b3 OK NOOP completed']);
  assert.deepEqual(await a.command('a7', 'NOOP'), ['a7 OK NOOP completed']);
});

test('FETCH and SEARCH hold EXPUNGE back (RFC 3501 §7.4.1); UID FETCH and NOOP deliver it', async () => {
  await a.command('c1', `APPEND INBOX ${lit(msg(4))}`);
  await a.command('c2', 'UID STORE 2 +FLAGS.SILENT (\\Deleted)');
  await a.command('c3', 'UID EXPUNGE 2');
  // message 1 (UID 2) is gone from the store, but this session may not be told yet
  assert.deepEqual(await b.command('d1', 'FETCH 1:* (FLAGS)'), [
    '* 2 EXISTS',
    '* 0 RECENT',
    'd1 OK [EXPUNGEISSUED] Some messages were expunged before they could be fetched',
  ]);
  assert.deepEqual(await b.command('d2', 'SEARCH ALL'), ['* SEARCH 2', 'd2 OK SEARCH completed']);
  assert.deepEqual(await b.command('d3', 'STORE 2 +FLAGS.SILENT (\\Answered)'), ['d3 OK STORE completed']);
  assert.deepEqual(await b.command('d4', 'UID FETCH 4 (FLAGS)'), [
    '* 2 FETCH (UID 4 FLAGS (\\Answered))',
    '* 1 EXPUNGE',
    'd4 OK UID FETCH completed',
  ]);
  assert.deepEqual(await a.command('c4', 'NOOP'), [
    '* 1 FETCH (UID 4 FLAGS (\\Answered \\Recent))',
    'c4 OK NOOP completed',
  ]);
});

async function expectPush(c: RawImap, want: string[], change: () => Promise<unknown>): Promise<number> {
  const t0 = Date.now();
  await change();
  const got: string[] = [];
  while (got.length < want.length) {
    const r = await c.response(1000 - (Date.now() - t0));
    if (r === null) break;
    got.push(r);
  }
  assert.deepEqual(got, want);
  return Date.now() - t0;
}

test('IDLE pushes EXISTS, FETCH and EXPUNGE made through the store (LMTP / API) within a second', async () => {
  b.write('i1 IDLE\r\n');
  assert.equal(await b.response(), '+ idling');
  const add = () =>
    env.srv.store.messages.add({ user: env.user.id, mailbox: inbox, raw: Buffer.from(msg(5)) });
  const ms1 = await expectPush(b, ['* 2 EXISTS', '* 1 RECENT'], add);
  const flag = () =>
    env.srv.store.messages.updateFlags({
      user: env.user.id,
      mailbox: inbox,
      uids: [5],
      action: 'add',
      flags: ['\\Flagged'],
    });
  const ms2 = await expectPush(b, ['* 2 FETCH (UID 5 FLAGS (\\Flagged \\Recent))'], flag);
  const gone = () =>
    env.srv.store.messages.expunge({ user: env.user.id, mailbox: inbox, uids: [4], requireDeleted: false });
  const ms3 = await expectPush(b, ['* 1 EXPUNGE'], gone);
  b.write('DONE\r\n');
  assert.deepEqual(await b.until('i1'), ['i1 OK IDLE terminated']);
  assert.ok(Math.max(ms1, ms2, ms3) < 1000);
  // A was not idling: it learns how the mailbox is now, expunges first; UID 5 is not \Recent
  // for it (B claimed it), and being new to A it needs no FETCH of its flags
  assert.deepEqual(await a.command('e1', 'NOOP'), [
    '* 1 EXPUNGE',
    '* 1 EXISTS',
    '* 0 RECENT',
    'e1 OK NOOP completed',
  ]);
});

test('IDLE: a bad continuation line is BAD; DONE is case-insensitive', async () => {
  b.write('j1 IDLE\r\n');
  assert.equal(await b.response(), '+ idling');
  b.write('done\r\n');
  assert.deepEqual(await b.until('j1'), ['j1 OK IDLE terminated']);
  b.write('j2 IDLE\r\n');
  assert.equal(await b.response(), '+ idling');
  b.write('STOP\r\n');
  assert.deepEqual(await b.until('j2'), ['j2 BAD Expected DONE']);
});

test('exactly one session is told a new message is \\Recent', async () => {
  for (let round = 0; round < 5; round++) {
    await env.srv.store.messages.add({
      user: env.user.id,
      mailbox: inbox,
      raw: Buffer.from(msg(10 + round)),
    });
    const [ra, rb] = await Promise.all([a.command(`r${round}`, 'NOOP'), b.command(`r${round}`, 'NOOP')]);
    const recent = (r: string[]) =>
      r.filter((l) => /^\* \d+ RECENT$/.test(l)).map((l) => Number(l.split(' ')[1]));
    const [na, nb] = [recent(ra), recent(rb)];
    assert.equal(na.length, 1);
    assert.equal(nb.length, 1);
    // each session's count grows by one in exactly one of them
    assert.equal(na[0]! + nb[0]!, round + 1 + 1);
  }
  const st = await a.command('st', 'STATUS INBOX (RECENT)');
  assert.deepEqual(st, ['* STATUS "INBOX" (RECENT 0)', 'st OK STATUS completed']);
});

test('a third session selecting later sees no \\Recent; STATUS counts unclaimed ones', async () => {
  const c = await env.login();
  await env.srv.store.messages.add({ user: env.user.id, mailbox: inbox, raw: Buffer.from(msg(99)) });
  assert.deepEqual(await c.command('t1', 'STATUS INBOX (MESSAGES RECENT)'), [
    '* STATUS "INBOX" (MESSAGES 7 RECENT 1)',
    't1 OK STATUS completed',
  ]);
  const sel = await c.command('t2', 'SELECT INBOX');
  assert.deepEqual(sel.slice(2, 4), ['* 7 EXISTS', '* 1 RECENT']);
  const sel2 = await c.command('t3', 'SELECT INBOX');
  assert.deepEqual(sel2.slice(2, 4), ['* 7 EXISTS', '* 0 RECENT']);
  c.close();
});
