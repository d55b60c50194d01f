// CONDSTORE and QRESYNC (RFC 7162), STATUS=SIZE (RFC 8438) and QUOTA (RFC 9208) over a raw socket,
// whole responses asserted; the RFC's examples replayed with this server's numbers. MODSEQs on the
// wire are the stored ones plus 1 (server/imap/modseq.ts): a fresh mailbox has HIGHESTMODSEQ 1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RawImap } from './_client.ts';
import { startImap, type ImapTestEnv } from './_setup.ts';

let env: ImapTestEnv;
const open: RawImap[] = [];

const MSG = (n: number) => `From: s${n}@example.test\r\nSubject: m${n}\r\n\r\nbody ${n}\r\n`;

/** A new user whose INBOX holds `count` messages (stored MODSEQs 1..count, on the wire 2..count+1). */
async function userWith(name: string, count: number) {
  const u = await env.newUser(name);
  const inbox = (await env.srv.store.mailboxes.get(u.id, 'INBOX'))!;
  let size = 0;
  for (let i = 1; i <= count; i++) {
    await env.srv.store.messages.add({ user: u.id, mailbox: inbox.id, raw: Buffer.from(MSG(i)) });
    size += Buffer.byteLength(MSG(i));
  }
  return { ...u, inbox: inbox.id, uidValidity: inbox.uidValidity, size };
}

async function login(name: string): Promise<RawImap> {
  const c = await env.login({ username: name });
  open.push(c);
  return c;
}

function setFlags(
  u: { id: string; inbox: string },
  uids: number[],
  flags: string[],
  action: 'add' | 'set' = 'add',
) {
  return env.srv.store.messages.updateFlags({ user: u.id, mailbox: u.inbox, uids, action, flags });
}

before(async () => {
  env = await startImap();
});
after(async () => {
  for (const c of open) c.close();
  await env.srv.stop();
});

test('CONDSTORE: SELECT (CONDSTORE), FETCH MODSEQ, CHANGEDSINCE, STORE UNCHANGEDSINCE, SEARCH MODSEQ', async () => {
  const u = await userWith('cond', 3);
  const c = await login('cond');
  const v = u.uidValidity;
  // RFC 7162 §3.1.8: the SELECT parameter enables CONDSTORE and brings HIGHESTMODSEQ
  assert.deepEqual(await c.command('a1', 'SELECT INBOX (CONDSTORE)'), [
    '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)',
    '* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted',
    '* 3 EXISTS',
    '* 3 RECENT',
    '* OK [UNSEEN 1] First unseen message',
    `* OK [UIDVALIDITY ${v}] UIDs valid`,
    '* OK [UIDNEXT 4] Predicted next UID',
    '* OK [HIGHESTMODSEQ 4] Highest',
    'a1 OK [READ-WRITE] SELECT completed',
  ]);
  // RFC 7162 §3.1.4.2 example: FETCH MODSEQ
  assert.deepEqual(await c.command('a2', 'FETCH 1:* (FLAGS MODSEQ)'), [
    '* 1 FETCH (FLAGS (\\Recent) MODSEQ (2))',
    '* 2 FETCH (FLAGS (\\Recent) MODSEQ (3))',
    '* 3 FETCH (FLAGS (\\Recent) MODSEQ (4))',
    'a2 OK FETCH completed',
  ]);
  // RFC 7162 §3.1.4.1 example: CHANGEDSINCE, with MODSEQ in the answer though not asked
  assert.deepEqual(await c.command('a3', 'UID FETCH 1:* (FLAGS) (CHANGEDSINCE 3)'), [
    '* 3 FETCH (UID 3 FLAGS (\\Recent) MODSEQ (4))',
    'a3 OK UID FETCH completed',
  ]);
  assert.deepEqual(await c.command('a4', 'FETCH 1:3 (UID) (CHANGEDSINCE 4)'), ['a4 OK FETCH completed']);
  // RFC 7162 §3.1.3 example 3: a silent conditional STORE reports MODSEQs and MODIFIED
  assert.deepEqual(await c.command('a5', 'STORE 3,1,2 (UNCHANGEDSINCE 3) +FLAGS.SILENT (\\Deleted)'), [
    '* 1 FETCH (MODSEQ (5))',
    '* 2 FETCH (MODSEQ (6))',
    'a5 OK [MODIFIED 3] Conditional STORE failed',
  ]);
  // not silent, UID form: the new flags with their MODSEQ; UNCHANGEDSINCE 0 fails every message
  assert.deepEqual(await c.command('a6', 'UID STORE 3 (UNCHANGEDSINCE 4) +FLAGS (\\Flagged)'), [
    '* 3 FETCH (UID 3 FLAGS (\\Flagged \\Recent) MODSEQ (7))',
    'a6 OK UID STORE completed',
  ]);
  assert.deepEqual(await c.command('a7', 'UID STORE 1:3 (UNCHANGEDSINCE 0) -FLAGS (\\Deleted)'), [
    'a7 OK [MODIFIED 1:3] Conditional STORE failed',
  ]);
  // RFC 7162 §3.1.5 examples: SEARCH MODSEQ, with the entry name form, ends with (MODSEQ n)
  assert.deepEqual(await c.command('a8', 'SEARCH MODSEQ 6'), [
    '* SEARCH 2 3 (MODSEQ 7)',
    'a8 OK SEARCH completed',
  ]);
  assert.deepEqual(
    await c.command('a9', 'UID SEARCH OR NOT MODSEQ 3 DELETED MODSEQ "/flags/\\\\deleted" all 5'),
    ['* SEARCH 1 2 (MODSEQ 6)', 'a9 OK UID SEARCH completed'],
  );
  assert.deepEqual(await c.command('a10', 'SEARCH MODSEQ 8'), ['* SEARCH', 'a10 OK SEARCH completed']);
  // another session's change arrives with its MODSEQ once CONDSTORE is on (RFC 7162 §3.1.3)
  await setFlags(u, [2], ['$Work']);
  assert.deepEqual(await c.command('a11', 'NOOP'), [
    '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work)',
    '* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work \\*)] Flags permitted',
    '* 2 FETCH (UID 2 FLAGS (\\Deleted $Work \\Recent) MODSEQ (8))',
    'a11 OK NOOP completed',
  ]);
  // with CHANGEDSINCE, a FETCH that would set \Seen sets it only on the messages it answers
  assert.deepEqual(await c.command('a12a', 'FETCH 1:3 (BODY[TEXT]) (CHANGEDSINCE 7)'), [
    '* 2 FETCH (BODY[TEXT] {8}\r\nbody 2\r\n MODSEQ (9) FLAGS (\\Deleted $Work \\Seen \\Recent))',
    'a12a OK FETCH completed',
  ]);
  // a FETCH that sets \Seen reports the new MODSEQ with the flags
  assert.deepEqual(await c.command('a12', 'FETCH 1 (BODY[TEXT])'), [
    '* 1 FETCH (BODY[TEXT] {8}\r\nbody 1\r\n FLAGS (\\Deleted \\Seen \\Recent) MODSEQ (10))',
    'a12 OK FETCH completed',
  ]);
});

test('CONDSTORE: enabled by ENABLE or by its first use, which tells HIGHESTMODSEQ', async () => {
  const u = await userWith('implicit', 2);
  const c = await login('implicit');
  const sel = await c.command('b1', 'EXAMINE INBOX');
  assert.ok(!sel.some((l) => l.includes('HIGHESTMODSEQ')), 'not before CONDSTORE is used');
  await setFlags(u, [1], ['\\Answered']);
  // RFC 7162 §3.1: FETCH MODSEQ enables it; the mailbox's HIGHESTMODSEQ comes first
  assert.deepEqual(await c.command('b2', 'FETCH 2 (MODSEQ)'), [
    '* OK [HIGHESTMODSEQ 3] Highest',
    '* 2 FETCH (MODSEQ (3))',
    '* 1 FETCH (UID 1 FLAGS (\\Answered \\Recent) MODSEQ (4))',
    'b2 OK FETCH completed',
  ]);
  const d = await login('implicit');
  assert.deepEqual(await d.command('b3', 'STATUS INBOX (HIGHESTMODSEQ MESSAGES SIZE)'), [
    `* STATUS "INBOX" (HIGHESTMODSEQ 4 MESSAGES 2 SIZE ${u.size})`,
    'b3 OK STATUS completed',
  ]);
  assert.ok((await d.command('b4', 'SELECT INBOX')).includes('* OK [HIGHESTMODSEQ 4] Highest'));
  assert.deepEqual(await d.command('b5', 'ENABLE CONDSTORE'), ['* ENABLED', 'b5 OK ENABLE completed']);
  const e = await login('implicit');
  assert.deepEqual(await e.command('b6', 'SELECT INBOX'), await e.command('b6', 'SELECT INBOX'));
  assert.deepEqual(await e.command('b7', 'ENABLE CONDSTORE'), [
    '* OK [HIGHESTMODSEQ 4] Highest',
    '* ENABLED CONDSTORE',
    'b7 OK ENABLE completed',
  ]);
});

test('CONDSTORE errors: bad modifiers and values are BAD, the session goes on', async () => {
  await userWith('conderr', 1);
  const c = await login('conderr');
  assert.deepEqual(await c.command('c1', 'SELECT INBOX (FOO)'), ['c1 BAD Unknown select parameter: FOO']);
  assert.deepEqual(await c.command('c2', 'SELECT INBOX (CONDSTORE) extra'), ['c2 BAD Too many arguments']);
  await c.command('c3', 'SELECT INBOX');
  assert.deepEqual(await c.command('c4', 'FETCH 1 (FLAGS) (CHANGEDSINCE 0)'), [
    'c4 BAD Invalid mod-sequence value: 0',
  ]);
  assert.deepEqual(await c.command('c5', 'FETCH 1 FLAGS (CHANGEDSINCE x)'), [
    'c5 BAD Invalid mod-sequence value: x',
  ]);
  assert.deepEqual(await c.command('c6', 'FETCH 1 FLAGS (CHANGEDSINCE 99999999999999999)'), [
    'c6 BAD Invalid mod-sequence value: 99999999999999999',
  ]);
  assert.deepEqual(await c.command('c7', 'FETCH 1 FLAGS (FOO 1)'), ['c7 BAD Unknown fetch modifier: FOO']);
  assert.deepEqual(await c.command('c8', 'UID FETCH 1 FLAGS (CHANGEDSINCE 1 VANISHED)'), [
    'c8 BAD VANISHED needs UID FETCH with CHANGEDSINCE after ENABLE QRESYNC',
  ]);
  assert.deepEqual(await c.command('c9', 'STORE 1 (UNCHANGEDSINCE) +FLAGS (\\Seen)'), [
    'c9 BAD Invalid store modifiers',
  ]);
  assert.deepEqual(await c.command('c10', 'STORE 1 (CHANGEDSINCE 1) +FLAGS (\\Seen)'), [
    'c10 BAD Unknown store modifier',
  ]);
  assert.deepEqual(await c.command('c11', 'SEARCH MODSEQ'), ['c11 BAD Missing or invalid MODSEQ value']);
  assert.deepEqual(await c.command('c12', 'SEARCH MODSEQ "/flags/\\\\seen" any 1'), [
    'c12 BAD Invalid MODSEQ entry type',
  ]);
  assert.deepEqual(await c.command('c13', 'SEARCH MODSEQ "/x" all 1'), ['c13 BAD Invalid MODSEQ entry name']);
  assert.deepEqual(await c.command('c14', 'STATUS INBOX (SIZE DELETED)'), [
    'c14 BAD Unknown status item: DELETED',
  ]);
  assert.deepEqual(await c.command('c15', 'NOOP'), ['c15 OK NOOP completed']);
});

test('QRESYNC: SELECT (QRESYNC …) gives VANISHED (EARLIER) and changed flags; UID FETCH … VANISHED', async () => {
  const u = await userWith('qr', 5);
  const v = u.uidValidity;
  const c = await login('qr');
  // RFC 7162 §3.2.5: the parameter needs ENABLE QRESYNC
  assert.deepEqual(await c.command('d1', `SELECT INBOX (QRESYNC (${v} 6))`), [
    'd1 BAD QRESYNC is not enabled',
  ]);
  assert.deepEqual(await c.command('d2', 'ENABLE QRESYNC'), ['* ENABLED QRESYNC', 'd2 OK ENABLE completed']);
  // what another client does while this one is away (it last saw HIGHESTMODSEQ 6)
  await setFlags(u, [2, 4], ['\\Deleted']);
  await env.srv.store.messages.expunge({ user: u.id, mailbox: u.inbox });
  await setFlags(u, [3], ['\\Seen']);
  const highest = (await env.srv.store.mailboxes.get(u.id, 'INBOX'))!.modifyIndex + 1;
  const head = (exists: number, recent: number, unseen: number) => [
    '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)',
    '* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted',
    `* ${exists} EXISTS`,
    `* ${recent} RECENT`,
    `* OK [UNSEEN ${unseen}] First unseen message`,
    `* OK [UIDVALIDITY ${v}] UIDs valid`,
    '* OK [UIDNEXT 6] Predicted next UID',
    `* OK [HIGHESTMODSEQ ${highest}] Highest`,
  ];
  // RFC 7162 §3.2.5.1 example: known UIDs given
  assert.deepEqual(await c.command('d3', `SELECT INBOX (QRESYNC (${v} 6 1:5))`), [
    ...head(3, 3, 1),
    '* VANISHED (EARLIER) 2,4',
    `* 2 FETCH (UID 3 FLAGS (\\Seen \\Recent) MODSEQ (${highest}))`,
    'd3 OK [READ-WRITE] SELECT completed',
  ]);
  // RFC 7162 §3.2.11: the end of the previous mailbox's responses is marked; known UIDs narrow
  // VANISHED, sequence match data is accepted, and nothing changed after HIGHESTMODSEQ
  assert.deepEqual(await c.command('d4', `EXAMINE INBOX (QRESYNC (${v} 6 3:5 (1:2 1,3)))`), [
    '* OK [CLOSED] Previous mailbox closed',
    ...head(3, 0, 1).map((l) =>
      l.replace(/PERMANENTFLAGS \(.*\)\] Flags permitted/, 'PERMANENTFLAGS ()] Read-only mailbox'),
    ),
    '* VANISHED (EARLIER) 4',
    `* 2 FETCH (UID 3 FLAGS (\\Seen) MODSEQ (${highest}))`,
    'd4 OK [READ-ONLY] EXAMINE completed',
  ]);
  // without known UIDs every UID given out counts; from the current HIGHESTMODSEQ nothing is new
  assert.deepEqual(await c.command('d5', `EXAMINE INBOX (QRESYNC (${v} ${highest}))`), [
    '* OK [CLOSED] Previous mailbox closed',
    ...head(3, 0, 1).map((l) =>
      l.replace(/PERMANENTFLAGS \(.*\)\] Flags permitted/, 'PERMANENTFLAGS ()] Read-only mailbox'),
    ),
    'd5 OK [READ-ONLY] EXAMINE completed',
  ]);
  // another UIDVALIDITY: the client's cache is of no use, nothing is resynchronised
  const other = await c.command('d6', `SELECT INBOX (QRESYNC (${v + 1} 2 1:5))`);
  assert.ok(!other.some((l) => l.includes('VANISHED') || l.includes('FETCH')), other.join('\n'));
  // RFC 7162 §3.2.6 example: UID FETCH (CHANGEDSINCE … VANISHED)
  assert.deepEqual(await c.command('d7', 'UID FETCH 1:* (FLAGS) (CHANGEDSINCE 6 VANISHED)'), [
    '* VANISHED (EARLIER) 2,4',
    `* 2 FETCH (UID 3 FLAGS (\\Seen) MODSEQ (${highest}))`,
    'd7 OK UID FETCH completed',
  ]);
  assert.deepEqual(await c.command('d8', 'UID FETCH 3:5 (FLAGS) (CHANGEDSINCE 2 VANISHED)'), [
    '* VANISHED (EARLIER) 4',
    `* 2 FETCH (UID 3 FLAGS (\\Seen) MODSEQ (${highest}))`,
    '* 3 FETCH (UID 5 FLAGS () MODSEQ (6))',
    'd8 OK UID FETCH completed',
  ]);
  assert.deepEqual(await c.command('d9', 'FETCH 1:* (FLAGS) (CHANGEDSINCE 2 VANISHED)'), [
    'd9 BAD VANISHED needs UID FETCH with CHANGEDSINCE after ENABLE QRESYNC',
  ]);
  assert.deepEqual(await c.command('d10', 'UID FETCH 1:* (FLAGS) (VANISHED)'), [
    'd10 BAD VANISHED needs UID FETCH with CHANGEDSINCE after ENABLE QRESYNC',
  ]);
  for (const [tag, params, answer] of [
    ['d11', `(QRESYNC (${v}))`, 'Invalid QRESYNC parameters'],
    ['d12', `(QRESYNC (${v} 6 1:*))`, '`*` is not allowed here'],
    ['d13', `(QRESYNC (${v} 0))`, 'Invalid mod-sequence value: 0'],
    ['d14', `(QRESYNC (${v} 6 1:5 (1:2)))`, 'Invalid sequence match data'],
  ] as const) {
    assert.deepEqual(await c.command(tag, `SELECT INBOX ${params}`), [`${tag} BAD ${answer}`]);
  }
});

test('QRESYNC: expunges are VANISHED in sync, EXPUNGE and MOVE; CLOSE and UNSELECT say nothing', async () => {
  const u = await userWith('qrexp', 5);
  const c = await login('qrexp');
  await c.command('e1', 'ENABLE QRESYNC');
  await c.command('e2', 'SELECT INBOX');
  const h = (await env.srv.store.mailboxes.get(u.id, 'INBOX'))!.modifyIndex + 1;
  // RFC 7162 §3.2.4: with QRESYNC on, every untagged FETCH names the UID
  assert.deepEqual(await c.command('e3', 'STORE 1:2 +FLAGS.SILENT (\\Deleted)'), [
    `* 1 FETCH (UID 1 MODSEQ (${h + 1}))`,
    `* 2 FETCH (UID 2 MODSEQ (${h + 2}))`,
    'e3 OK STORE completed',
  ]);
  // RFC 7162 §3.2.10: one VANISHED instead of EXPUNGEs, and the new HIGHESTMODSEQ in the OK
  const highest = async () => (await env.srv.store.mailboxes.get(u.id, 'INBOX'))!.modifyIndex + 1;
  const e4 = await c.command('e4', 'EXPUNGE');
  assert.deepEqual(e4, ['* VANISHED 1:2', `e4 OK [HIGHESTMODSEQ ${await highest()}] EXPUNGE completed`]);
  // another session's expunge reaches this one as VANISHED too
  await setFlags(u, [5], ['\\Deleted']);
  await env.srv.store.messages.expunge({ user: u.id, mailbox: u.inbox });
  assert.deepEqual(await c.command('e5', 'NOOP'), ['* VANISHED 5', 'e5 OK NOOP completed']);
  const archive = (await env.srv.store.mailboxes.get(u.id, 'Archive'))!;
  assert.deepEqual(await c.command('e6', 'UID MOVE 3 Archive'), [
    `* OK [COPYUID ${archive.uidValidity} 3 1] Moved`,
    '* VANISHED 3',
    `e6 OK [HIGHESTMODSEQ ${await highest()}] UID MOVE completed`,
  ]);
  // …also a STORE that is not UID STORE, and a FETCH that sets \Seen
  const hs = (await env.srv.store.mailboxes.get(u.id, 'INBOX'))!.modifyIndex + 1;
  assert.deepEqual(await c.command('e6a', 'STORE 1 +FLAGS (\\Answered)'), [
    `* 1 FETCH (UID 4 FLAGS (\\Answered \\Recent) MODSEQ (${hs + 1}))`,
    'e6a OK STORE completed',
  ]);
  assert.deepEqual(await c.command('e6b', 'FETCH 1 (BODY[TEXT])'), [
    `* 1 FETCH (BODY[TEXT] {8}\r\nbody 4\r\n FLAGS (\\Answered \\Seen \\Recent) UID 4 MODSEQ (${hs + 2}))`,
    'e6b OK FETCH completed',
  ]);
  await c.command('e7', 'STORE 1 +FLAGS.SILENT (\\Deleted)');
  // RFC 7162 §3.2.11 / RFC 3501 §6.4.2: CLOSE expunges without a word
  assert.deepEqual(await c.command('e8', 'CLOSE'), ['e8 OK CLOSE completed']);
  assert.deepEqual(await c.command('e9', 'STATUS INBOX (MESSAGES)'), [
    '* STATUS "INBOX" (MESSAGES 0)',
    'e9 OK STATUS completed',
  ]);
  await c.command('e10', 'SELECT Archive');
  assert.deepEqual(await c.command('e11', 'UNSELECT'), ['e11 OK UNSELECT completed']);
  // no mailbox was selected, so no CLOSED
  assert.equal(
    (await c.command('e12', 'SELECT INBOX'))[0],
    '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)',
  );
});

test('STATUS=SIZE: the sum of the messages’ sizes, 0 for an empty mailbox', async () => {
  const u = await userWith('sized', 4);
  const c = await login('sized');
  assert.deepEqual(await c.command('f1', 'STATUS INBOX (SIZE MESSAGES)'), [
    `* STATUS "INBOX" (SIZE ${u.size} MESSAGES 4)`,
    'f1 OK STATUS completed',
  ]);
  assert.deepEqual(await c.command('f2', 'STATUS Trash (SIZE)'), [
    '* STATUS "Trash" (SIZE 0)',
    'f2 OK STATUS completed',
  ]);
  assert.deepEqual(await c.command('f3', 'STATUS Nope (SIZE)'), ['f3 NO [NONEXISTENT] No such mailbox']);
});

test('QUOTA: one root "" with STORAGE in KiB; no quota, no root; SETQUOTA refused', async () => {
  const u = await userWith('quoted', 2);
  await env.srv.store.users.update(u.id, { quota: 10 * 1024 * 1024 + 1000 });
  const used = (await env.srv.store.users.get(u.id))!.storageUsed;
  assert.ok(used > 0 && used < 1024);
  const c = await login('quoted');
  // RFC 9208 §4.1.2 example shape: QUOTAROOT then QUOTA; usage rounded up, the limit down
  assert.deepEqual(await c.command('g1', 'GETQUOTAROOT INBOX'), [
    '* QUOTAROOT "INBOX" ""',
    '* QUOTA "" (STORAGE 1 10240)',
    'g1 OK GETQUOTAROOT completed',
  ]);
  assert.deepEqual(await c.command('g2', 'GETQUOTA ""'), [
    '* QUOTA "" (STORAGE 1 10240)',
    'g2 OK GETQUOTA completed',
  ]);
  assert.deepEqual(await c.command('g3', 'GETQUOTA "INBOX"'), ['g3 NO [NONEXISTENT] No such quota root']);
  assert.deepEqual(await c.command('g4', 'GETQUOTAROOT Nope'), ['g4 NO [NONEXISTENT] No such mailbox']);
  assert.deepEqual(await c.command('g5', 'SETQUOTA "" (STORAGE 512)'), [
    'g5 NO [NOPERM] Quotas are set by the administrator',
  ]);
  assert.deepEqual(await c.command('g6', 'SETQUOTA "" (STORAGE)'), ['g6 BAD Invalid quota list']);
  assert.deepEqual(await c.command('g7', 'SETQUOTA "" (STORAGE x)'), ['g7 BAD Invalid resource limit']);
  assert.deepEqual(await c.command('g8', 'GETQUOTA'), ['g8 BAD Missing or invalid quota root']);
  // a user without a quota has no quota root (RFC 9208 §4.1.2: QUOTAROOT with no root)
  await userWith('free', 1);
  const d = await login('free');
  assert.deepEqual(await d.command('g9', 'GETQUOTAROOT INBOX'), [
    '* QUOTAROOT "INBOX"',
    'g9 OK GETQUOTAROOT completed',
  ]);
  assert.deepEqual(await d.command('g10', 'GETQUOTA ""'), ['g10 NO [NONEXISTENT] No such quota root']);
});
