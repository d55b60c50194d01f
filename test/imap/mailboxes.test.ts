// CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE, LIST, LSUB, STATUS, NAMESPACE, ENABLE, ID with
// complete responses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RawImap } from './_client.ts';
import { startImap, type ImapTestEnv } from './_setup.ts';

let env: ImapTestEnv;
let c: RawImap;
before(async () => {
  env = await startImap();
  c = await env.login();
});
after(async () => {
  c.close();
  await env.srv.stop();
});

const DEFAULT_LIST = [
  '* LIST (\\HasNoChildren \\Archive) "/" "Archive"',
  '* LIST (\\HasNoChildren \\Drafts) "/" "Drafts"',
  '* LIST (\\HasNoChildren) "/" "INBOX"',
  '* LIST (\\HasNoChildren \\Junk) "/" "Junk"',
  '* LIST (\\HasNoChildren \\Sent) "/" "Sent"',
  '* LIST (\\HasNoChildren \\Trash) "/" "Trash"',
];

test('LIST of a new account: special-use attributes, CHILDREN attributes, empty pattern', async () => {
  assert.deepEqual(await c.command('a1', 'LIST "" "*"'), [...DEFAULT_LIST, 'a1 OK LIST completed']);
  assert.deepEqual(await c.command('a2', 'LIST "" ""'), [
    '* LIST (\\Noselect) "/" ""',
    'a2 OK LIST completed',
  ]);
  assert.deepEqual(await c.command('a3', 'LIST "" inbox'), [
    '* LIST (\\HasNoChildren) "/" "INBOX"',
    'a3 OK LIST completed',
  ]);
  assert.deepEqual(await c.command('a4', 'LIST "" "T%"'), [
    '* LIST (\\HasNoChildren \\Trash) "/" "Trash"',
    'a4 OK LIST completed',
  ]);
});

test('CREATE with parents, %, *, reference, trailing delimiter, duplicates', async () => {
  assert.deepEqual(await c.command('b1', 'CREATE Work/Projects/2026'), ['b1 OK CREATE completed']);
  assert.deepEqual(await c.command('b2', 'CREATE Lists/'), ['b2 OK CREATE completed']);
  assert.deepEqual(await c.command('b3', 'CREATE Work'), ['b3 NO [ALREADYEXISTS] Mailbox already exists']);
  assert.deepEqual(await c.command('b4', 'CREATE inbox'), ['b4 NO [ALREADYEXISTS] INBOX always exists']);
  assert.deepEqual(await c.command('b5', 'LIST "" %'), [
    '* LIST (\\HasNoChildren \\Archive) "/" "Archive"',
    '* LIST (\\HasNoChildren \\Drafts) "/" "Drafts"',
    '* LIST (\\HasNoChildren) "/" "INBOX"',
    '* LIST (\\HasNoChildren \\Junk) "/" "Junk"',
    '* LIST (\\HasNoChildren) "/" "Lists"',
    '* LIST (\\HasNoChildren \\Sent) "/" "Sent"',
    '* LIST (\\HasNoChildren \\Trash) "/" "Trash"',
    '* LIST (\\HasChildren) "/" "Work"',
    'b5 OK LIST completed',
  ]);
  assert.deepEqual(await c.command('b6', 'LIST Work/ *'), [
    '* LIST (\\HasChildren) "/" "Work/Projects"',
    '* LIST (\\HasNoChildren) "/" "Work/Projects/2026"',
    'b6 OK LIST completed',
  ]);
  assert.deepEqual(await c.command('b7', 'LIST "" Work/%'), [
    '* LIST (\\HasChildren) "/" "Work/Projects"',
    'b7 OK LIST completed',
  ]);
});

test('modified UTF-7 names go in and out unchanged', async () => {
  assert.deepEqual(await c.command('c1', 'CREATE "Entw&APw-rfe"'), ['c1 OK CREATE completed']);
  assert.deepEqual(await c.command('c2', 'LIST "" Entw*'), [
    '* LIST (\\HasNoChildren) "/" "Entw&APw-rfe"',
    'c2 OK LIST completed',
  ]);
  const boxes = await env.srv.store.mailboxes.list(env.user.id);
  assert.ok(boxes.some((b) => b.path === 'Entwürfe'));
  assert.deepEqual(await c.command('c3', 'DELETE "Entw&APw-rfe"'), ['c3 OK DELETE completed']);
});

test('DELETE: missing, INBOX, a parent with children becomes \\Noselect', async () => {
  assert.deepEqual(await c.command('d1', 'DELETE Nope'), ['d1 NO [NONEXISTENT] No such mailbox']);
  assert.deepEqual(await c.command('d2', 'DELETE INBOX'), ['d2 NO [CANNOT] INBOX cannot be deleted']);
  assert.deepEqual(await c.command('d3', 'CREATE Old/Child'), ['d3 OK CREATE completed']);
  assert.deepEqual(await c.command('d4', 'DELETE Old'), ['d4 OK DELETE completed']);
  assert.deepEqual(await c.command('d5', 'LIST "" Old*'), [
    '* LIST (\\HasChildren \\Noselect) "/" "Old"',
    '* LIST (\\HasNoChildren) "/" "Old/Child"',
    'd5 OK LIST completed',
  ]);
  assert.deepEqual(await c.command('d6', 'DELETE Old/Child'), ['d6 OK DELETE completed']);
  assert.deepEqual(await c.command('d7', 'LIST "" Old*'), ['d7 OK LIST completed']);
});

test('RENAME moves children; errors; renaming INBOX moves its messages', async () => {
  assert.deepEqual(await c.command('e1', 'CREATE A/B/C'), ['e1 OK CREATE completed']);
  assert.deepEqual(await c.command('e2', 'RENAME A Z'), ['e2 OK RENAME completed']);
  assert.deepEqual(await c.command('e3', 'LIST "" "[AZ]*"'), ['e3 OK LIST completed']);
  assert.deepEqual(await c.command('e4', 'LIST "" Z*'), [
    '* LIST (\\HasChildren) "/" "Z"',
    '* LIST (\\HasChildren) "/" "Z/B"',
    '* LIST (\\HasNoChildren) "/" "Z/B/C"',
    'e4 OK LIST completed',
  ]);
  assert.deepEqual(await c.command('e5', 'RENAME Nope X'), ['e5 NO [NONEXISTENT] No such mailbox']);
  assert.deepEqual(await c.command('e6', 'RENAME Z Trash'), [
    'e6 NO [ALREADYEXISTS] Target mailbox already exists',
  ]);
  // RFC 3501 §6.3.5: renaming INBOX moves its messages to the new name and leaves INBOX empty
  const msg = 'Subject: keep me\r\n\r\nhello\r\n';
  assert.match(
    (await c.command('e7', `APPEND INBOX {${msg.length}+}\r\n${msg}`))[0]!,
    /^e7 OK \[APPENDUID \d+ 1\]/,
  );
  assert.deepEqual(await c.command('e8', 'RENAME inbox "Old Inbox"'), ['e8 OK RENAME completed']);
  assert.deepEqual(await c.command('e9', 'STATUS "Old Inbox" (MESSAGES)'), [
    '* STATUS "Old Inbox" (MESSAGES 1)',
    'e9 OK STATUS completed',
  ]);
  assert.deepEqual(await c.command('e10', 'STATUS INBOX (MESSAGES UIDNEXT)'), [
    '* STATUS "INBOX" (MESSAGES 0 UIDNEXT 2)',
    'e10 OK STATUS completed',
  ]);
});

test('SUBSCRIBE, UNSUBSCRIBE, LSUB with an unsubscribed parent', async () => {
  assert.deepEqual(await c.command('f1', 'CREATE News/Tech'), ['f1 OK CREATE completed']);
  assert.deepEqual(await c.command('f2', 'SUBSCRIBE News/Tech'), ['f2 OK SUBSCRIBE completed']);
  assert.deepEqual(await c.command('f3', 'LSUB "" News*'), [
    '* LSUB () "/" "News/Tech"',
    'f3 OK LSUB completed',
  ]);
  assert.deepEqual(await c.command('f4', 'LSUB "" %'), [
    ...(await subscribedTopLevel()),
    'f4 OK LSUB completed',
  ]);
  assert.deepEqual(await c.command('f5', 'UNSUBSCRIBE News/Tech'), ['f5 OK UNSUBSCRIBE completed']);
  assert.deepEqual(await c.command('f6', 'LSUB "" News*'), ['f6 OK LSUB completed']);
  assert.deepEqual(await c.command('f7', 'SUBSCRIBE Missing'), ['f7 NO [NONEXISTENT] No such mailbox']);
});

async function subscribedTopLevel(): Promise<string[]> {
  const boxes = await env.srv.store.mailboxes.list(env.user.id);
  const subscribed = new Set(boxes.filter((b) => b.subscribed).map((b) => b.path));
  const top = new Set([...subscribed].map((p) => p.split('/')[0]!));
  return [...top]
    .sort()
    .map((n) => (subscribed.has(n) ? `* LSUB () "/" "${n}"` : `* LSUB (\\Noselect) "/" "${n}"`));
}

test('STATUS of an empty mailbox and errors', async () => {
  const box = (await env.srv.store.mailboxes.get(env.user.id, 'Sent'))!;
  assert.deepEqual(await c.command('g1', 'STATUS Sent (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)'), [
    `* STATUS "Sent" (MESSAGES 0 RECENT 0 UIDNEXT 1 UIDVALIDITY ${box.uidValidity} UNSEEN 0)`,
    'g1 OK STATUS completed',
  ]);
  assert.deepEqual(await c.command('g2', 'STATUS Nope (MESSAGES)'), ['g2 NO [NONEXISTENT] No such mailbox']);
  assert.deepEqual(await c.command('g3', 'STATUS Sent (BOGUS)'), ['g3 BAD Unknown status item: BOGUS']);
  assert.deepEqual(await c.command('g4', 'STATUS Sent'), ['g4 BAD Invalid status item list']);
});

test('NAMESPACE, ENABLE, ID, UNSELECT outside a mailbox', async () => {
  assert.deepEqual(await c.command('h1', 'NAMESPACE'), [
    '* NAMESPACE (("" "/")) NIL NIL',
    'h1 OK NAMESPACE completed',
  ]);
  assert.deepEqual(await c.command('h2', 'ENABLE UTF8=ACCEPT'), ['* ENABLED', 'h2 OK ENABLE completed']);
  assert.deepEqual(await c.command('h3', 'ID ("name" "test" "version" NIL)'), [
    '* ID ("name" "Nestbox" "vendor" "Nestbox")',
    'h3 OK ID completed',
  ]);
  assert.deepEqual(await c.command('h4', 'ID ("odd")'), ['h4 BAD ID needs field/value pairs']);
  assert.deepEqual(await c.command('h5', 'UNSELECT'), ['h5 BAD No mailbox selected']);
});

test('LIST with thousands of wildcards is refused at once and never stalls other connections', async () => {
  // a regular expression built from `*%*%…` backtracks exponentially and froze every connection
  const other = await env.login();
  const pattern = '*%'.repeat(1000) + 'x';
  const list = c.command('w1', `LIST "" "${pattern}"`);
  const started = Date.now();
  assert.deepEqual(await other.command('w2', 'NOOP', 1000), ['w2 OK NOOP completed']);
  assert.ok(Date.now() - started < 1000, 'NOOP answered within 1 s');
  assert.deepEqual(await list, ['w1 BAD Reference and pattern longer than 1024 characters']);
  assert.deepEqual(await c.command('w3', `LIST "" "${'*%'.repeat(400)}x"`), [
    'w3 BAD More than 32 wildcards in the pattern',
  ]);
  // within the limits, wildcards still match as RFC 3501 §6.3.8 says
  assert.deepEqual(await c.command('w4', `LIST "" "${'%'.repeat(16)}*chive"`), [
    '* LIST (\\HasNoChildren \\Archive) "/" "Archive"',
    'w4 OK LIST completed',
  ]);
  other.close();
});
