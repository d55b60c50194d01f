// Base-protocol rules a conformance run checks: atoms starting with `~`, source routes in ENVELOPE,
// MOVE into the selected mailbox, SENT* dates, LSUB, and keywords announced before they are shown.
// Raw sockets, whole responses asserted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RawImap } from './_client.ts';
import { startImap, type ImapTestEnv } from './_setup.ts';

let env: ImapTestEnv;
before(async () => {
  env = await startImap();
});
after(async () => {
  await env.srv.stop();
});

const SYSTEM = '\\Answered \\Flagged \\Deleted \\Seen \\Draft';

function literal(s: string): string {
  return `{${Buffer.byteLength(s)}+}\r\n${s}`;
}

/** A user of its own, logged in, with `path` selected (created first unless INBOX). */
async function userWith(name: string, path = 'INBOX'): Promise<{ c: RawImap; uidValidity: number }> {
  const u = await env.newUser(name);
  if (path !== 'INBOX') await env.srv.store.mailboxes.create(u.id, path);
  const box = (await env.srv.store.mailboxes.get(u.id, path))!;
  const c = await env.login({ username: name });
  const r = await c.command('s0', `SELECT ${path}`);
  assert.equal(r[r.length - 1], 's0 OK [READ-WRITE] SELECT completed');
  return { c, uidValidity: box.uidValidity };
}

test('an atom may start with ~ (a literal8 needs `{` after it)', async () => {
  const c = await env.login();
  assert.deepEqual(await c.command('t1', 'LIST "" ~foo'), ['t1 OK LIST completed']);
  assert.deepEqual(await c.command('t2', 'CREATE ~foo'), ['t2 OK CREATE completed']);
  assert.deepEqual(await c.command('t3', 'LIST "" ~foo'), [
    '* LIST (\\HasNoChildren) "/" "~foo"',
    't3 OK LIST completed',
  ]);
  assert.deepEqual(await c.command('t4', 'LIST "" ~%'), [
    '* LIST (\\HasNoChildren) "/" "~foo"',
    't4 OK LIST completed',
  ]);
  // a literal8 in the middle of a line is still refused, and the connection goes on
  assert.deepEqual(await c.command('t5', 'LIST "" ~{3}x'), ['t5 BAD A literal must end its line']);
  assert.deepEqual(await c.command('t6', 'NOOP'), ['t6 OK NOOP completed']);
  c.close();
});

test('ENVELOPE keeps the @ of a source route', async () => {
  const { c } = await userWith('route');
  const msg =
    'From: Joe <@relay.example,@hop.example:joe@example.test>\r\n' +
    'To: <@route.example:ann@example.test>\r\n' +
    'Subject: routed\r\n\r\nbody\r\n';
  const r = await c.command('a1', `APPEND INBOX ${literal(msg)}`);
  assert.match(r[r.length - 1]!, /^a1 OK \[APPENDUID \d+ 1\] APPEND completed$/);
  assert.deepEqual(await c.command('f1', 'FETCH 1 ENVELOPE'), [
    '* 1 FETCH (ENVELOPE (NIL "routed" ' +
      '(("Joe" "@relay.example,@hop.example" "joe" "example.test")) ' +
      '(("Joe" "@relay.example,@hop.example" "joe" "example.test")) ' +
      '(("Joe" "@relay.example,@hop.example" "joe" "example.test")) ' +
      '((NIL "@route.example" "ann" "example.test")) NIL NIL NIL NIL))',
    'f1 OK FETCH completed',
  ]);
  c.close();
});

test('MOVE and UID MOVE into the selected mailbox itself: new UIDs, COPYUID, EXPUNGE, EXISTS', async () => {
  const { c, uidValidity } = await userWith('selfmove');
  for (const n of [1, 2, 3]) {
    const r = await c.command(
      `a${n}`,
      `APPEND INBOX (\\Flagged) ${literal(`Subject: m${n}\r\n\r\nbody ${n}\r\n`)}`,
    );
    assert.equal(r[r.length - 1], `a${n} OK [APPENDUID ${uidValidity} ${n}] APPEND completed`);
  }
  assert.deepEqual(await c.command('m1', 'MOVE 1 INBOX'), [
    `* OK [COPYUID ${uidValidity} 1 4] Moved`,
    '* 1 EXPUNGE',
    '* 3 EXISTS',
    '* 3 RECENT',
    'm1 OK MOVE completed',
  ]);
  assert.deepEqual(await c.command('m2', 'UID MOVE 2:3 INBOX'), [
    `* OK [COPYUID ${uidValidity} 2:3 5:6] Moved`,
    '* 1 EXPUNGE',
    '* 1 EXPUNGE',
    '* 3 EXISTS',
    '* 3 RECENT',
    'm2 OK UID MOVE completed',
  ]);
  assert.deepEqual(await c.command('f1', 'FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (Subject)])'), [
    '* 1 FETCH (UID 4 FLAGS (\\Flagged \\Recent) BODY[HEADER.FIELDS (Subject)] {15}\r\nSubject: m1\r\n\r\n)',
    '* 2 FETCH (UID 5 FLAGS (\\Flagged \\Recent) BODY[HEADER.FIELDS (Subject)] {15}\r\nSubject: m2\r\n\r\n)',
    '* 3 FETCH (UID 6 FLAGS (\\Flagged \\Recent) BODY[HEADER.FIELDS (Subject)] {15}\r\nSubject: m3\r\n\r\n)',
    'f1 OK FETCH completed',
  ]);
  // UIDs that name nothing move nothing
  assert.deepEqual(await c.command('m3', 'UID MOVE 1:3 INBOX'), ['m3 OK UID MOVE completed']);
  c.close();
});

test('SENTBEFORE / SENTON / SENTSINCE use the Date: header date, not its UTC instant', async () => {
  const { c } = await userWith('sent');
  const dates = [
    'Mon, 1 Jun 2026 23:30:00 -0500', // 2 Jun 04:30 UTC, but sent on 1 Jun
    'Tue, 2 Jun 2026 01:00:00 +0300', // 1 Jun 22:00 UTC, but sent on 2 Jun
    '3 Jun 2026 12:00:00 +0000',
    'Wed, 3 Jun 2026 23:59:59 -1200', // 4 Jun 11:59 UTC
  ];
  for (const [i, d] of dates.entries()) {
    const r = await c.command(`a${i}`, `APPEND INBOX ${literal(`Date: ${d}\r\nSubject: ${i}\r\n\r\nx\r\n`)}`);
    assert.match(r[r.length - 1]!, /^a\d OK /);
  }
  const search = async (tag: string, q: string) => (await c.command(tag, `SEARCH ${q}`))[0];
  assert.equal(await search('s1', 'SENTON 1-Jun-2026'), '* SEARCH 1');
  assert.equal(await search('s2', 'SENTON 2-Jun-2026'), '* SEARCH 2');
  assert.equal(await search('s3', 'SENTON 3-Jun-2026'), '* SEARCH 3 4');
  assert.equal(await search('s4', 'SENTON 4-Jun-2026'), '* SEARCH');
  assert.equal(await search('s5', 'SENTBEFORE 2-Jun-2026'), '* SEARCH 1');
  assert.equal(await search('s6', 'SENTBEFORE 3-Jun-2026'), '* SEARCH 1 2');
  assert.equal(await search('s7', 'SENTSINCE 2-Jun-2026'), '* SEARCH 2 3 4');
  assert.equal(await search('s8', 'SENTSINCE 4-Jun-2026'), '* SEARCH');
  assert.equal(await search('s9', 'NOT SENTON 3-Jun-2026'), '* SEARCH 1 2');
  assert.equal(await search('s10', 'OR SENTON 1-Jun-2026 SENTON 4-Jun-2026'), '* SEARCH 1');
  c.close();
});

test('LSUB: % lists unsubscribed parents as \\Noselect; CREATE does not subscribe', async () => {
  await env.newUser('lsub');
  const c = await env.login({ username: 'lsub' });
  for (const [i, name] of [
    'box/',
    'box/test',
    'box/test2/',
    'box/test3/',
    'box/test2/test',
    'box/test3/test3',
  ].entries()) {
    assert.deepEqual(await c.command(`c${i}`, `CREATE ${name}`), [`c${i} OK CREATE completed`]);
  }
  for (const [i, name] of ['box/test', 'box/test2/test', 'box/test3/test3'].entries()) {
    assert.deepEqual(await c.command(`s${i}`, `SUBSCRIBE ${name}`), [`s${i} OK SUBSCRIBE completed`]);
  }
  assert.deepEqual(await c.command('l1', 'LSUB "" box/%'), [
    '* LSUB () "/" "box/test"',
    '* LSUB (\\Noselect) "/" "box/test2"',
    '* LSUB (\\Noselect) "/" "box/test3"',
    'l1 OK LSUB completed',
  ]);
  assert.deepEqual(await c.command('l2', 'LSUB "" *test'), [
    '* LSUB () "/" "box/test"',
    '* LSUB () "/" "box/test2/test"',
    'l2 OK LSUB completed',
  ]);
  assert.deepEqual(await c.command('u1', 'UNSUBSCRIBE box/test'), ['u1 OK UNSUBSCRIBE completed']);
  assert.deepEqual(await c.command('l3', 'LSUB "" box/%'), [
    '* LSUB (\\Noselect) "/" "box/test2"',
    '* LSUB (\\Noselect) "/" "box/test3"',
    'l3 OK LSUB completed',
  ]);
  assert.deepEqual(await c.command('u2', 'UNSUBSCRIBE box/test2/test'), ['u2 OK UNSUBSCRIBE completed']);
  assert.deepEqual(await c.command('l4', 'LSUB "" box/*'), [
    '* LSUB () "/" "box/test3/test3"',
    'l4 OK LSUB completed',
  ]);
  c.close();
});

test('LSUB: a subscription outlives its mailbox until UNSUBSCRIBE; RENAME takes it along', async () => {
  await env.newUser('lost');
  const c = await env.login({ username: 'lost' });
  assert.deepEqual(await c.command('c1', 'CREATE Old/Kept'), ['c1 OK CREATE completed']);
  assert.deepEqual(await c.command('c2', 'CREATE Moving'), ['c2 OK CREATE completed']);
  assert.deepEqual(await c.command('s1', 'SUBSCRIBE Old/Kept'), ['s1 OK SUBSCRIBE completed']);
  assert.deepEqual(await c.command('s2', 'SUBSCRIBE Moving'), ['s2 OK SUBSCRIBE completed']);
  assert.deepEqual(await c.command('d1', 'DELETE Old/Kept'), ['d1 OK DELETE completed']);
  assert.deepEqual(await c.command('l1', 'LSUB "" Old/*'), [
    '* LSUB (\\Noselect) "/" "Old/Kept"',
    'l1 OK LSUB completed',
  ]);
  assert.deepEqual(await c.command('l2', 'LSUB "" O%'), [
    '* LSUB (\\Noselect) "/" "Old"',
    'l2 OK LSUB completed',
  ]);
  // a mailbox created again under a subscribed name is subscribed
  assert.deepEqual(await c.command('c3', 'CREATE Old/Kept'), ['c3 OK CREATE completed']);
  assert.deepEqual(await c.command('l3', 'LSUB "" Old/*'), [
    '* LSUB () "/" "Old/Kept"',
    'l3 OK LSUB completed',
  ]);
  assert.deepEqual(await c.command('d2', 'DELETE Old/Kept'), ['d2 OK DELETE completed']);
  assert.deepEqual(await c.command('u1', 'UNSUBSCRIBE Old/Kept'), ['u1 OK UNSUBSCRIBE completed']);
  assert.deepEqual(await c.command('l4', 'LSUB "" Old/*'), ['l4 OK LSUB completed']);
  assert.deepEqual(await c.command('u2', 'UNSUBSCRIBE Old/Kept'), ['u2 NO [NONEXISTENT] No such mailbox']);
  // the subscription is the mailbox's own and moves with it
  assert.deepEqual(await c.command('r1', 'RENAME Moving Moved'), ['r1 OK RENAME completed']);
  assert.deepEqual(await c.command('l5', 'LSUB "" Mov*'), ['* LSUB () "/" "Moved"', 'l5 OK LSUB completed']);
  c.close();
});

test('a keyword new to the mailbox is announced with FLAGS and PERMANENTFLAGS before any FETCH shows it', async () => {
  const u = await env.newUser('keywords');
  const inbox = (await env.srv.store.mailboxes.get(u.id, 'INBOX'))!;
  await env.srv.store.messages.add({
    user: u.id,
    mailbox: inbox.id,
    raw: Buffer.from('Subject: k\r\n\r\nx\r\n'),
  });
  const a = await env.login({ username: 'keywords' });
  const b = await env.login({ username: 'keywords' });
  const flags = (kw: string) => [
    `* FLAGS (${SYSTEM}${kw})`,
    `* OK [PERMANENTFLAGS (${SYSTEM}${kw} \\*)] Flags permitted`,
  ];
  const select = async (c: RawImap, tag: string) => (await c.command(tag, 'SELECT INBOX')).slice(0, 2);
  assert.deepEqual(await select(a, 's1'), flags(''));
  assert.deepEqual(await select(b, 's2'), flags(''));

  assert.deepEqual(await a.command('t1', 'STORE 1 +FLAGS ($Label1)'), [
    ...flags(' $Label1'),
    '* 1 FETCH (FLAGS ($Label1 \\Recent))',
    't1 OK STORE completed',
  ]);
  // the other session hears of the keyword before the change that shows it
  assert.deepEqual(await b.command('n1', 'NOOP'), [
    ...flags(' $Label1'),
    '* 1 FETCH (UID 1 FLAGS ($Label1))',
    'n1 OK NOOP completed',
  ]);
  // a keyword already told of is not announced again
  assert.deepEqual(await a.command('t2', 'STORE 1 FLAGS ($label1 \\Seen)'), [
    '* 1 FETCH (FLAGS ($label1 \\Seen \\Recent))',
    't2 OK STORE completed',
  ]);
  assert.deepEqual(await b.command('n2', 'NOOP'), [
    '* 1 FETCH (UID 1 FLAGS ($label1 \\Seen))',
    'n2 OK NOOP completed',
  ]);

  // APPEND with a new keyword: FLAGS come before EXISTS, in both sessions
  const r = await a.command('a1', `APPEND INBOX (Work) ${literal('Subject: w\r\n\r\ny\r\n')}`);
  assert.deepEqual(r, [
    ...flags(' $Label1 Work'),
    '* 2 EXISTS',
    '* 2 RECENT',
    `a1 OK [APPENDUID ${inbox.uidValidity} 2] APPEND completed`,
  ]);
  assert.deepEqual(await b.command('n3', 'NOOP'), [
    ...flags(' $Label1 Work'),
    '* 2 EXISTS',
    '* 0 RECENT',
    'n3 OK NOOP completed',
  ]);
  // a later SELECT lists the mailbox's keywords; EXAMINE lists them with no permanent flags
  const c = await env.login({ username: 'keywords' });
  assert.deepEqual(await select(c, 's3'), flags(' $Label1 Work'));
  assert.deepEqual((await c.command('e1', 'EXAMINE INBOX')).slice(0, 2), [
    `* FLAGS (${SYSTEM} $Label1 Work)`,
    '* OK [PERMANENTFLAGS ()] Read-only mailbox',
  ]);
  for (const x of [a, b, c]) x.close();
});

test('LITERAL+ and never LITERAL- (RFC 7888 §5); a non-synchronizing literal past 4096 octets is taken', async () => {
  const { c } = await userWith('literals');
  const caps = (await c.command('c1', 'CAPABILITY'))[0]!.split(' ');
  assert.ok(caps.includes('LITERAL+'));
  assert.ok(!caps.includes('LITERAL-'));
  // LITERAL- would answer BAD [TOOBIG] here (RFC 7888 §4); LITERAL+ takes it
  const body = `Subject: big\r\n\r\n${'x'.repeat(5000)}\r\n`;
  const r = await c.command('a1', `APPEND INBOX ${literal(body)}`);
  assert.match(r[r.length - 1]!, /^a1 OK \[APPENDUID /, r.join('\n'));
  const s = await c.command('s1', `UID SEARCH BODY ${literal('y'.repeat(5000))}`);
  assert.deepEqual(s, ['* SEARCH', 's1 OK UID SEARCH completed']);
});
