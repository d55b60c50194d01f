// Extended LIST (RFC 5258), LIST-STATUS (RFC 5819) and CREATE-SPECIAL-USE (RFC 6154 §3) over a raw
// socket, whole responses asserted. The mailboxes are those of RFC 5258 §5's examples.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RawImap } from './_client.ts';
import { startImap, type ImapTestEnv } from './_setup.ts';

let env: ImapTestEnv;
let c: RawImap;
before(async () => {
  env = await startImap();
  c = await env.login();
  for (const box of ['Fruit/Apple', 'Fruit/Banana', 'Tofu', 'Vegetable/Broccoli', 'Vegetable/Corn']) {
    assert.deepEqual(await c.command('s', `CREATE ${box}`), ['s OK CREATE completed']);
  }
  for (const box of ['Fruit/Banana', 'Fruit/Peach', 'Vegetable', 'Vegetable/Broccoli']) {
    if (box === 'Fruit/Peach')
      assert.deepEqual(await c.command('s', 'CREATE Fruit/Peach'), ['s OK CREATE completed']);
    assert.deepEqual(await c.command('s', `SUBSCRIBE ${box}`), ['s OK SUBSCRIBE completed']);
  }
  // a subscription outlives its mailbox (RFC 3501 §6.3.9): Fruit/Peach is subscribed, not there
  assert.deepEqual(await c.command('s', 'DELETE Fruit/Peach'), ['s OK DELETE completed']);
});
after(async () => {
  c.close();
  await env.srv.stop();
});

const PATTERNS = '(Fruit* Tofu Vegetable*)';

test('RFC 5258 §5.1-5.2: an empty selection asks for nothing more than the base LIST', async () => {
  assert.deepEqual(await c.command('a1', `LIST () "" ${PATTERNS}`), [
    '* LIST () "/" "Fruit"',
    '* LIST () "/" "Fruit/Apple"',
    '* LIST () "/" "Fruit/Banana"',
    '* LIST () "/" "Tofu"',
    '* LIST () "/" "Vegetable"',
    '* LIST () "/" "Vegetable/Broccoli"',
    '* LIST () "/" "Vegetable/Corn"',
    'a1 OK LIST completed',
  ]);
  // the base form keeps its CHILDREN attributes (RFC 3348)
  assert.deepEqual(await c.command('a2', 'LIST "" Vegetable*'), [
    '* LIST (\\HasChildren) "/" "Vegetable"',
    '* LIST (\\HasNoChildren) "/" "Vegetable/Broccoli"',
    '* LIST (\\HasNoChildren) "/" "Vegetable/Corn"',
    'a2 OK LIST completed',
  ]);
});

test('RFC 5258 §5.3: SUBSCRIBED selection lists subscriptions, \\NonExistent for a gone mailbox', async () => {
  assert.deepEqual(await c.command('b1', `LIST (SUBSCRIBED) "" ${PATTERNS}`), [
    '* LIST (\\Subscribed) "/" "Fruit/Banana"',
    '* LIST (\\NonExistent \\Subscribed) "/" "Fruit/Peach"',
    '* LIST (\\Subscribed) "/" "Vegetable"',
    '* LIST (\\Subscribed) "/" "Vegetable/Broccoli"',
    'b1 OK LIST completed',
  ]);
});

test('RFC 5258 §5.4-5.5: RETURN (CHILDREN) and RETURN (SUBSCRIBED) on every mailbox', async () => {
  assert.deepEqual(await c.command('c1', 'LIST () "" % RETURN (CHILDREN)'), [
    '* LIST (\\HasNoChildren) "/" "Archive"',
    '* LIST (\\HasNoChildren) "/" "Drafts"',
    '* LIST (\\HasChildren) "/" "Fruit"',
    '* LIST (\\HasNoChildren) "/" "INBOX"',
    '* LIST (\\HasNoChildren) "/" "Junk"',
    '* LIST (\\HasNoChildren) "/" "Sent"',
    '* LIST (\\HasNoChildren) "/" "Tofu"',
    '* LIST (\\HasNoChildren) "/" "Trash"',
    '* LIST (\\HasChildren) "/" "Vegetable"',
    'c1 OK LIST completed',
  ]);
  assert.deepEqual(await c.command('c2', 'LIST "" "Fruit/*" RETURN (SUBSCRIBED CHILDREN)'), [
    '* LIST (\\HasNoChildren) "/" "Fruit/Apple"',
    '* LIST (\\HasNoChildren \\Subscribed) "/" "Fruit/Banana"',
    'c2 OK LIST completed',
  ]);
});

test('RFC 5258 §5.9: RECURSIVEMATCH gives CHILDINFO to parents of subscribed names', async () => {
  // a new account's own mailboxes start subscribed
  assert.deepEqual(await c.command('d1', 'LIST (SUBSCRIBED RECURSIVEMATCH) "" %'), [
    '* LIST (\\Subscribed) "/" "Archive"',
    '* LIST (\\Subscribed) "/" "Drafts"',
    '* LIST () "/" "Fruit" ("CHILDINFO" ("SUBSCRIBED"))',
    '* LIST (\\Subscribed) "/" "INBOX"',
    '* LIST (\\Subscribed) "/" "Junk"',
    '* LIST (\\Subscribed) "/" "Sent"',
    '* LIST (\\Subscribed) "/" "Trash"',
    '* LIST (\\Subscribed) "/" "Vegetable" ("CHILDINFO" ("SUBSCRIBED"))',
    'd1 OK LIST completed',
  ]);
  assert.deepEqual(await c.command('d2', 'LIST (SUBSCRIBED RECURSIVEMATCH) "" "Fruit/%" RETURN (CHILDREN)'), [
    '* LIST (\\HasNoChildren \\Subscribed) "/" "Fruit/Banana"',
    '* LIST (\\HasNoChildren \\NonExistent \\Subscribed) "/" "Fruit/Peach"',
    'd2 OK LIST completed',
  ]);
  // REMOTE adds nothing here: there are no remote mailboxes
  assert.deepEqual(await c.command('d3', 'LIST (REMOTE SUBSCRIBED) "" Vegetable'), [
    '* LIST (\\Subscribed) "/" "Vegetable"',
    'd3 OK LIST completed',
  ]);
});

test('RFC 6154 §3-4: SPECIAL-USE selection and return options', async () => {
  assert.deepEqual(await c.command('e1', 'LIST (SPECIAL-USE) "" *'), [
    '* LIST (\\Archive) "/" "Archive"',
    '* LIST (\\Drafts) "/" "Drafts"',
    '* LIST (\\Junk) "/" "Junk"',
    '* LIST (\\Sent) "/" "Sent"',
    '* LIST (\\Trash) "/" "Trash"',
    'e1 OK LIST completed',
  ]);
  assert.deepEqual(await c.command('e2', 'LIST "" (INBOX Sent Tofu) RETURN (SPECIAL-USE)'), [
    '* LIST () "/" "INBOX"',
    '* LIST (\\Sent) "/" "Sent"',
    '* LIST () "/" "Tofu"',
    'e2 OK LIST completed',
  ]);
});

test('RFC 5819 §1: RETURN (STATUS (…)) follows each existing mailbox with its STATUS', async () => {
  const msg = 'Subject: hi\r\n\r\nhello\r\n';
  assert.match((await c.command('f0', `APPEND Tofu {${msg.length}+}\r\n${msg}`)).at(-1)!, /^f0 OK /);
  const uidValidity = (await env.srv.store.mailboxes.get(env.user.id, 'Tofu'))!.uidValidity;
  assert.deepEqual(
    await c.command('f1', 'LIST "" (Tofu Fruit) RETURN (STATUS (MESSAGES UNSEEN UIDVALIDITY))'),
    [
      '* LIST () "/" "Fruit"',
      '* STATUS "Fruit" (MESSAGES 0 UNSEEN 0 UIDVALIDITY ' +
        (await env.srv.store.mailboxes.get(env.user.id, 'Fruit'))!.uidValidity +
        ')',
      '* LIST () "/" "Tofu"',
      `* STATUS "Tofu" (MESSAGES 1 UNSEEN 1 UIDVALIDITY ${uidValidity})`,
      'f1 OK LIST completed',
    ],
  );
  // no STATUS for a name that is not a mailbox
  assert.deepEqual(await c.command('f2', 'LIST (SUBSCRIBED) "" Fruit/Peach RETURN (STATUS (MESSAGES))'), [
    '* LIST (\\NonExistent \\Subscribed) "/" "Fruit/Peach"',
    'f2 OK LIST completed',
  ]);
});

test('extended LIST syntax errors are BAD', async () => {
  const cases: Array<[string, string]> = [
    ['LIST (RECURSIVEMATCH) "" %', 'RECURSIVEMATCH needs another selection option'],
    ['LIST (REMOTE RECURSIVEMATCH) "" %', 'RECURSIVEMATCH needs another selection option'],
    ['LIST (BOGUS) "" %', 'Unknown selection option: BOGUS'],
    ['LIST "" % RETURN (BOGUS)', 'Unknown return option: BOGUS'],
    ['LIST "" % RETURN CHILDREN', 'Missing return options'],
    ['LIST "" % RETURNS (CHILDREN)', 'Expected RETURN'],
    ['LIST "" () RETURN ()', 'Empty pattern list'],
    ['LIST "" % RETURN (STATUS (MESSAGES BOGUS))', 'Unknown status item: BOGUS'],
    ['LIST "" % RETURN (STATUS (DELETED))', 'Unknown status item: DELETED'],
    ['LIST "" % RETURN (STATUS)', 'Invalid status item list'],
    [`LIST "" (${Array.from({ length: 33 }, (_, i) => `p${i}`).join(' ')})`, 'More than 32 patterns'],
  ];
  let n = 0;
  for (const [cmd, text] of cases) {
    const tag = `g${n++}`;
    assert.deepEqual(await c.command(tag, cmd), [`${tag} BAD ${text}`], cmd);
  }
});

test('RFC 6154 §3: CREATE with USE, and NO [USEATTR] for a use not offered or already taken', async () => {
  const d = await env.login({ username: (await env.newUser('carol')).username });
  assert.deepEqual(await d.command('h1', 'DELETE Archive'), ['h1 OK DELETE completed']);
  assert.deepEqual(await d.command('h2', 'CREATE MyArchive (USE (\\Archive))'), ['h2 OK CREATE completed']);
  assert.deepEqual(await d.command('h3', 'LIST "" MyArchive'), [
    '* LIST (\\HasNoChildren \\Archive) "/" "MyArchive"',
    'h3 OK LIST completed',
  ]);
  assert.deepEqual(await d.command('h4', 'CREATE Other (USE (\\Archive))'), [
    'h4 NO [USEATTR] Another mailbox already has the use \\Archive',
  ]);
  assert.deepEqual(await d.command('h5', 'CREATE Everything (USE (\\All))'), [
    'h5 NO [USEATTR] Special use \\All is not supported',
  ]);
  assert.deepEqual(await d.command('h6', 'CREATE Both (USE (\\Sent \\Drafts))'), [
    'h6 NO [USEATTR] A mailbox has at most one special use here',
  ]);
  assert.deepEqual(await d.command('h7', 'CREATE X (FOO (\\Sent))'), [
    'h7 BAD Unknown CREATE parameter: FOO',
  ]);
  assert.deepEqual(await d.command('h8', 'CREATE X (USE \\Sent)'), ['h8 BAD USE needs a list of attributes']);
  assert.deepEqual(await d.command('h9', 'CREATE X (USE (Sent))'), [
    'h9 BAD Invalid special-use attribute: Sent',
  ]);
  // none of the refused ones was created
  assert.deepEqual(await d.command('h10', 'LIST "" (Other Everything Both X)'), ['h10 OK LIST completed']);
  d.close();
});
