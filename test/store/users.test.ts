import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ObjectId } from 'mongodb';
import { openStore, type TestStore } from './_store.ts';
import { isStoreError } from '../../server/store/index.ts';

let t: TestStore;
before(async () => {
  t = await openStore();
});
after(async () => {
  await t.close();
});

test('create returns the user and makes the default mailboxes', async () => {
  const u = await t.store.users.create({
    username: 'Alice',
    password: 'secret-1',
    name: 'Alice A',
    quota: 1000,
    address: 'Alice@Example.COM',
  });
  assert.deepEqual(u, {
    id: u.id,
    username: 'alice',
    name: 'Alice A',
    address: 'alice@example.com',
    quota: 1000,
    storageUsed: 0,
    messageQuota: 0,
    messagesUsed: 0,
    disabled: false,
    hasPassword: true,
    created: u.created,
  });
  assert.match(u.id, /^[0-9a-f]{24}$/);
  assert.deepEqual(await t.store.users.get(u.id), u);
  assert.deepEqual(await t.store.users.getByUsername('ALICE'), u);
  const boxes = await t.store.mailboxes.list(u.id);
  assert.deepEqual(
    boxes.map((b) => [b.path, b.specialUse, b.uidNext, b.modifyIndex, b.subscribed]),
    [
      ['INBOX', null, 1, 0, true],
      ['Archive', '\\Archive', 1, 0, true],
      ['Drafts', '\\Drafts', 1, 0, true],
      ['Junk', '\\Junk', 1, 0, true],
      ['Sent', '\\Sent', 1, 0, true],
      ['Trash', '\\Trash', 1, 0, true],
    ],
  );
  assert.equal(new Set(boxes.map((b) => b.uidValidity)).size, 6, 'distinct UIDVALIDITY per mailbox');
  assert.deepEqual(
    (await t.store.addresses.list(u.id)).map((a) => a.address),
    ['alice@example.com'],
  );
});

test('duplicate usernames, bad usernames and taken addresses are refused', async () => {
  await t.store.users.create({ username: 'bob', password: 'pw-bob-1', address: 'bob@example.com' });
  await assert.rejects(t.store.users.create({ username: 'BOB', password: 'x' }), (e) =>
    isStoreError(e, 'EXISTS'),
  );
  await assert.rejects(t.store.users.create({ username: 'bad name', password: 'x' }), (e) =>
    isStoreError(e, 'INVALID'),
  );
  await assert.rejects(
    t.store.users.create({ username: 'bob2', password: 'x', address: 'BOB@example.com' }),
    (e) => isStoreError(e, 'EXISTS'),
  );
  assert.equal(await t.store.users.getByUsername('bob2'), null, 'nothing left of the refused user');
});

test('authenticate by username or address, case-insensitive; wrong or disabled fails', async () => {
  const u = await t.store.users.create({
    username: 'carol',
    password: 'pw-carol',
    address: 'carol@example.org',
  });
  await t.store.addresses.add(u.id, 'c.alias@example.org');
  const expect = { user: u.id, username: 'carol', scope: 'imap', method: 'password', asp: null };
  assert.deepEqual(await t.store.users.authenticate('CAROL', 'pw-carol', 'imap'), expect);
  assert.deepEqual(await t.store.users.authenticate('Carol@Example.ORG', 'pw-carol', 'imap'), expect);
  assert.deepEqual(await t.store.users.authenticate('c.alias@example.org', 'pw-carol', 'imap'), expect);
  assert.equal(await t.store.users.authenticate('carol', 'wrong', 'imap'), null);
  assert.equal(await t.store.users.authenticate('nobody', 'pw-carol', 'imap'), null);
  assert.equal(await t.store.users.authenticate('', 'pw-carol', 'imap'), null);
  await t.store.users.update(u.id, { disabled: true });
  assert.equal(await t.store.users.authenticate('carol', 'pw-carol', 'imap'), null);
  await t.store.users.update(u.id, { disabled: false, password: 'new-pw' });
  assert.equal(await t.store.users.authenticate('carol', 'pw-carol', 'pop3'), null);
  assert.deepEqual(await t.store.users.authenticate('carol', 'new-pw', 'pop3'), { ...expect, scope: 'pop3' });
});

test('application-specific passwords are limited to their scopes', async () => {
  const u = await t.store.users.create({ username: 'dave', password: 'pw-dave' });
  const { asp, password } = await t.store.users.createAsp(u.id, {
    description: 'phone',
    scopes: ['imap', 'smtp'],
  });
  assert.match(password, /^[a-z]{16}$/);
  assert.deepEqual(asp, {
    id: asp.id,
    description: 'phone',
    scopes: ['imap', 'smtp'],
    created: asp.created,
    lastUse: null,
  });
  const spaced = password.replace(/(.{4})/g, '$1 ').trim();
  assert.deepEqual(await t.store.users.authenticate('dave', spaced, 'imap'), {
    user: u.id,
    username: 'dave',
    scope: 'imap',
    method: 'asp',
    asp: asp.id,
  });
  assert.equal(await t.store.users.authenticate('dave', password, 'pop3'), null);
  assert.deepEqual((await t.store.users.verifyPassword(u.id, 'pw-dave', 'pop3'))?.method, 'password');
  const [listed] = await t.store.users.listAsps(u.id);
  assert.ok(listed?.lastUse instanceof Date, 'lastUse recorded');
  const all = await t.store.users.createAsp(u.id, { description: 'all', scopes: ['*'] });
  assert.equal((await t.store.users.authenticate('dave', all.password, 'pop3'))?.asp, all.asp.id);
  assert.equal(await t.store.users.deleteAsp(u.id, asp.id), true);
  assert.equal(await t.store.users.deleteAsp(u.id, asp.id), false);
  assert.equal(await t.store.users.authenticate('dave', password, 'imap'), null);
  assert.deepEqual(
    (await t.store.users.listAsps(u.id)).map((a) => a.description),
    ['all'],
  );
  // an account without its own password logs in only with ASPs
  const v = await t.store.users.create({ username: 'erin', password: null });
  assert.equal(v.hasPassword, false);
  const e = await t.store.users.createAsp(v.id, { description: 'x', scopes: ['pop3'] });
  assert.equal((await t.store.users.authenticate('erin', e.password, 'pop3'))?.method, 'asp');
  await assert.rejects(t.store.users.createAsp(v.id, { description: 'x', scopes: [] }), (err) =>
    isStoreError(err, 'INVALID'),
  );
});

test('update and list users', async () => {
  const u = await t.store.users.create({ username: 'frank', password: 'pw' });
  const up = await t.store.users.update(u.id, { name: 'Frank', quota: 5000 });
  assert.deepEqual(up, { ...u, name: 'Frank', quota: 5000 });
  await assert.rejects(t.store.users.update(u.id, { quota: -1 }), (e) => isStoreError(e, 'INVALID'));
  await assert.rejects(t.store.users.update(u.id, { address: 'x@nowhere.test' }), (e) =>
    isStoreError(e, 'INVALID'),
  );
  const found = await t.store.users.list({ query: 'FRA' });
  assert.deepEqual(found, { total: 1, users: [up] });
  await assert.rejects(t.store.users.update('000000000000000000000000', { name: 'x' }), (e) =>
    isStoreError(e, 'NOUSER'),
  );
});

test('delete removes everything that hangs off the user, and nothing of another user', async () => {
  const make = async (name: string) => {
    const u = await t.store.users.create({ username: name, password: 'pw', address: `${name}@example.com` });
    const inbox = (await t.store.mailboxes.get(u.id, 'INBOX'))!;
    await t.store.messages.add({
      user: u.id,
      mailbox: inbox.id,
      raw: Buffer.from('Subject: x\r\n\r\nbody\r\n'),
    });
    await t.store.mailboxes.create(u.id, 'Kept');
    await t.store.mailboxes.delete(u.id, 'Kept'); // leaves a subscription without its mailbox
    await t.store.importMarks.add(u.id, 'key-1');
    await t.store.filters.create(u.id, { query: { subject: 'x' }, action: { seen: true } });
    await t.store.autoreplies.set(u.id, { status: false, text: 'away' });
    await t.store.authlog.record({
      user: u.id,
      login: name,
      protocol: 'imap',
      ip: '127.0.0.1',
      result: 'success',
    });
    return u;
  };
  const gone = await make('cascade');
  const kept = await make('bystander');
  const collections = ['mailboxes', 'messages', 'journal', 'addresses', 'subscriptions', 'importmarks'];
  collections.push('filters', 'autoreplies', 'authlog');
  const count = (coll: string, user: string) =>
    t.db.collection(coll).countDocuments({ user: new ObjectId(user) });
  for (const coll of collections) assert.ok((await count(coll, gone.id)) > 0, `${coll} has data to delete`);

  await t.store.users.delete(gone.id);

  for (const coll of collections) {
    assert.equal(await count(coll, gone.id), 0, `${coll} of the deleted user`);
    assert.ok((await count(coll, kept.id)) > 0, `${coll} of another user stays`);
  }
  assert.equal(await t.store.users.get(gone.id), null);
  assert.equal((await t.store.users.get(kept.id))?.storageUsed, await t.store.users.recountStorage(kept.id));
});

test('delete removes the user, mailboxes and addresses', async () => {
  const u = await t.store.users.create({ username: 'gone', password: 'pw', address: 'gone@example.com' });
  await t.store.mailboxes.create(u.id, 'Folder/Sub');
  await t.store.users.delete(u.id);
  assert.equal(await t.store.users.get(u.id), null);
  assert.deepEqual(await t.store.mailboxes.list(u.id), []);
  assert.equal(await t.store.addresses.resolve('gone@example.com'), null);
  assert.equal(await t.db.collection('mailboxes').countDocuments({ user: new ObjectId(u.id) }), 0);
  assert.equal(await t.db.collection('addresses').countDocuments({ user: new ObjectId(u.id) }), 0);
  // the username and address are free again
  const again = await t.store.users.create({ username: 'gone', password: 'pw', address: 'gone@example.com' });
  assert.equal(again.username, 'gone');
});
