// What a new mailbox may be called, over IMAP (CREATE, RENAME) and the HTTP API (create, rename):
// one rule in the store (server/store/paths.ts), so both doors refuse the same names.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { RawImap } from './_client.ts';
import { startApi, type ApiEnv } from '../api/_setup.ts';
import type { Client } from '../api/_client.ts';

let env: ApiEnv;
let imap: RawImap;
let user: Client;
let userId: string;
before(async () => {
  env = await startApi({ services: ['api', 'imap'] });
  const u = await env.newUser('namer');
  user = u.client;
  userId = u.id;
  imap = await RawImap.open(env.srv.ports.imap!);
  await imap.response();
  assert.match((await imap.command('l', `LOGIN namer ${u.password}`)).at(-1)!, /^l OK/);
});
after(async () => {
  imap.close();
  await env.stop();
});

const WILDCARD = 'mailbox name contains a wildcard (% or *)';
const EMPTY = 'mailbox name has an empty level';
const DOTS = 'mailbox name has a "." or ".." level';
const CONTROL = 'mailbox name contains control characters';

test('IMAP CREATE refuses wildcards, empty levels, . and .. levels and control characters with NO', async () => {
  const cases: Array<[string, string]> = [
    ['"a%b"', WILDCARD],
    ['"Lists/*"', WILDCARD],
    ['"a//b"', EMPTY],
    ['"/a"', EMPTY],
    ['"a//"', EMPTY],
    ['"../etc"', DOTS],
    ['"a/./b"', DOTS],
    ['"INBOX/.."', DOTS],
    ['"a&AAE-b"', CONTROL], // U+0001, valid modified UTF-7 but a control character
    ['"tab&AAk-"', CONTROL],
  ];
  let n = 0;
  for (const [name, why] of cases) {
    const tag = `c${n++}`;
    assert.deepEqual(await imap.command(tag, `CREATE ${name}`), [`${tag} NO [CANNOT] ${why}`], name);
  }
});

test('IMAP CREATE and RENAME answer BAD to names that are not valid modified UTF-7 (RFC 3501 §5.1.3)', async () => {
  const cases: Array<[string, string]> = [
    ['"Entw&APw-rfe&"', 'Invalid mailbox name (unterminated &)'],
    ['"&AGE-"', 'Invalid mailbox name (encoded ASCII)'],
    ['"&AOQ-&APw-"', 'Invalid mailbox name (adjacent shifts)'],
    ['"&2D0-"', 'Invalid mailbox name (broken surrogate pair)'],
    ['"&A=-"', 'Invalid mailbox name (bad base64)'],
  ];
  let n = 0;
  for (const [name, why] of cases) {
    const tag = `m${n++}`;
    assert.deepEqual(await imap.command(tag, `CREATE ${name}`), [`${tag} BAD ${why}`], name);
  }
  imap.write('u1 CREATE {6}\r\n');
  assert.equal(await imap.response(), '+ Ready for literal data');
  imap.write(
    Buffer.concat([Buffer.from('Gr'), Buffer.from('üße', 'utf8').subarray(0, 4), Buffer.from('\r\n')]),
  );
  assert.deepEqual(await imap.until('u1'), ['u1 BAD Invalid mailbox name (not modified UTF-7)']);
  assert.deepEqual(await imap.command('m9', 'RENAME Junk "&AGE-"'), [
    'm9 BAD Invalid mailbox name (encoded ASCII)',
  ]);
});

test('IMAP RENAME refuses the same names; a trailing delimiter is kept as an empty level', async () => {
  assert.deepEqual(await imap.command('r0', 'CREATE Work'), ['r0 OK CREATE completed']);
  const cases: Array<[string, string]> = [
    ['"Work*"', WILDCARD],
    ['"W%"', WILDCARD],
    ['"Work2/"', EMPTY],
    ['"a//b"', EMPTY],
    ['"../Work"', DOTS],
    ['"Work/.."', DOTS],
    ['"Wo&AH8-rk"', CONTROL], // U+007F
  ];
  let n = 1;
  for (const [name, why] of cases) {
    const tag = `r${n++}`;
    assert.deepEqual(await imap.command(tag, `RENAME Work ${name}`), [`${tag} NO [CANNOT] ${why}`], name);
  }
  // RFC 3501 §6.3.3: a trailing delimiter on CREATE declares a parent and is dropped
  assert.deepEqual(await imap.command('r8', 'CREATE Lists/'), ['r8 OK CREATE completed']);
  assert.deepEqual(await imap.command('r9', 'RENAME Work "Work &- Play"'), ['r9 OK RENAME completed']);
  assert.deepEqual(await imap.command('r10', 'LIST "" "*"'), [
    '* LIST (\\HasNoChildren \\Archive) "/" "Archive"',
    '* LIST (\\HasNoChildren \\Drafts) "/" "Drafts"',
    '* LIST (\\HasNoChildren) "/" "INBOX"',
    '* LIST (\\HasNoChildren \\Junk) "/" "Junk"',
    '* LIST (\\HasNoChildren) "/" "Lists"',
    '* LIST (\\HasNoChildren \\Sent) "/" "Sent"',
    '* LIST (\\HasNoChildren \\Trash) "/" "Trash"',
    '* LIST (\\HasNoChildren) "/" "Work &- Play"',
    'r10 OK LIST completed',
  ]);
});

test('API create and rename refuse the same names with 400 and a reason', async () => {
  const cases: Array<[string, string]> = [
    ['a%b', WILDCARD],
    ['Lists/*', WILDCARD],
    ['a//b', EMPTY],
    ['/a', EMPTY],
    ['a/', EMPTY],
    ['../etc', DOTS],
    ['a/./b', DOTS],
    ['a/..', DOTS],
    ['a/ /b', 'mailbox name has a blank level'],
    ['a\u0001b', CONTROL],
    ['a\u0085b', CONTROL],
    ['x\ud800y', 'mailbox name is not valid Unicode (lone surrogate)'],
  ];
  for (const [path, why] of cases) {
    const r = await user.post('/users/me/mailboxes', { path });
    assert.deepEqual([r.status, r.body], [400, { error: why, code: 'InputValidationError' }], path);
  }
  const ok = await user.post('/users/me/mailboxes', { path: 'Receipts' });
  assert.equal(ok.status, 200);
  for (const [path, why] of cases) {
    const r = await user.put(`/users/me/mailboxes/${ok.body.id}`, { path });
    assert.deepEqual([r.status, r.body], [400, { error: why, code: 'InputValidationError' }], path);
  }
  const names = (await env.srv.store.mailboxes.list(userId)).map((m) => m.path);
  assert.ok(names.includes('Receipts'));
  assert.deepEqual(
    names.filter((p) => /[%*\u0000-\u001f\u0085]|\.\.|\/\.|^\/|\/$/.test(p)),
    [],
  );
});
