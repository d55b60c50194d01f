import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openStore, type TestStore } from './_store.ts';
import { isStoreError } from '../../server/store/index.ts';
import { mail } from './_mail.ts';

let t: TestStore;
let user: string;
before(async () => {
  t = await openStore();
  user = (await t.store.users.create({ username: 'mbx', password: 'pw' })).id;
});
after(async () => {
  await t.close();
});

const paths = async () => (await t.store.mailboxes.list(user)).map((b) => b.path);

test('create makes missing parents; duplicates and bad names are refused', async () => {
  const c = await t.store.mailboxes.create(user, 'Work/Projects/Nestbox');
  assert.deepEqual(c, {
    id: c.id,
    user,
    path: 'Work/Projects/Nestbox',
    specialUse: null,
    uidValidity: c.uidValidity,
    uidNext: 1,
    modifyIndex: 0,
    subscribed: true,
    keywords: [],
    created: c.created,
  });
  assert.deepEqual(await paths(), [
    'INBOX',
    'Archive',
    'Drafts',
    'Junk',
    'Sent',
    'Trash',
    'Work',
    'Work/Projects',
    'Work/Projects/Nestbox',
  ]);
  assert.equal(
    (await t.store.mailboxes.get(user, 'Work'))?.subscribed,
    false,
    'implied parents are unsubscribed',
  );
  await assert.rejects(t.store.mailboxes.create(user, 'Work/Projects'), (e) => isStoreError(e, 'EXISTS'));
  await assert.rejects(t.store.mailboxes.create(user, 'inbox'), (e) => isStoreError(e, 'EXISTS'));
  for (const bad of ['', '/x', 'x/', 'a//b', 'a\0b']) {
    await assert.rejects(t.store.mailboxes.create(user, bad), (e) => isStoreError(e, 'INVALID'), bad);
  }
  const u = await t.store.mailboxes.create(user, 'Ünïcødé/日本語');
  assert.equal((await t.store.mailboxes.getById(user, u.id))?.path, 'Ünïcødé/日本語');
  assert.equal((await t.store.mailboxes.get(user, 'inbox/'))?.path, undefined);
  assert.equal((await t.store.mailboxes.get(user, 'iNbOx'))?.path, 'INBOX');
  assert.equal((await t.store.mailboxes.getBySpecialUse(user, '\\Sent'))?.path, 'Sent');
  assert.equal((await t.store.mailboxes.getBySpecialUse(user, '\\Inbox'))?.path, 'INBOX');
});

test('rename moves children and keeps ids and UIDVALIDITY', async () => {
  const before = await t.store.mailboxes.list(user);
  const work = before.find((b) => b.path === 'Work')!;
  const deep = before.find((b) => b.path === 'Work/Projects/Nestbox')!;
  const renamed = await t.store.mailboxes.rename(user, 'Work', 'Old/Job');
  assert.deepEqual(renamed, { ...work, path: 'Old/Job' });
  assert.deepEqual(
    (await paths()).filter((p) => p.startsWith('Old') || p.startsWith('Work')),
    ['Old', 'Old/Job', 'Old/Job/Projects', 'Old/Job/Projects/Nestbox'],
  );
  assert.deepEqual(await t.store.mailboxes.getById(user, deep.id), {
    ...deep,
    path: 'Old/Job/Projects/Nestbox',
  });
  await assert.rejects(t.store.mailboxes.rename(user, 'Old/Job', 'Sent'), (e) => isStoreError(e, 'EXISTS'));
  await assert.rejects(t.store.mailboxes.rename(user, 'Old', 'Old/Job/Deeper'), (e) =>
    isStoreError(e, 'CANNOT'),
  );
  await assert.rejects(t.store.mailboxes.rename(user, 'Nope', 'Other'), (e) => isStoreError(e, 'NOMAILBOX'));
  await assert.rejects(t.store.mailboxes.rename(user, 'Sent', 'INBOX'), (e) => isStoreError(e, 'CANNOT'));
});

test('delete leaves children; INBOX cannot be deleted; recreate gets a new UIDVALIDITY', async () => {
  const old = (await t.store.mailboxes.get(user, 'Old/Job'))!;
  await t.store.mailboxes.delete(user, 'Old/Job');
  assert.equal(await t.store.mailboxes.get(user, 'Old/Job'), null);
  assert.ok(await t.store.mailboxes.get(user, 'Old/Job/Projects'));
  await assert.rejects(t.store.mailboxes.delete(user, 'INBOX'), (e) => isStoreError(e, 'CANNOT'));
  await assert.rejects(t.store.mailboxes.delete(user, 'Old/Job'), (e) => isStoreError(e, 'NOMAILBOX'));
  const again = await t.store.mailboxes.create(user, 'Old/Job');
  assert.notEqual(again.id, old.id);
  assert.ok(again.uidValidity > old.uidValidity, 'UIDVALIDITY only grows');
});

test('subscribe and unsubscribe', async () => {
  await t.store.mailboxes.setSubscribed(user, 'Junk', false);
  await t.store.mailboxes.setSubscribed(user, 'Old', true);
  const subs = (await t.store.mailboxes.list(user, { subscribedOnly: true })).map((b) => b.path);
  assert.ok(!subs.includes('Junk'));
  assert.ok(subs.includes('Old'));
  await assert.rejects(t.store.mailboxes.setSubscribed(user, 'Nope', true), (e) =>
    isStoreError(e, 'NOMAILBOX'),
  );
});

test('status of an empty mailbox', async () => {
  const inbox = (await t.store.mailboxes.get(user, 'INBOX'))!;
  assert.deepEqual(await t.store.mailboxes.status(user, inbox.id), {
    messages: 0,
    unseen: 0,
    size: 0,
    uidNext: 1,
    uidValidity: inbox.uidValidity,
    highestModseq: 0,
  });
});

test('creates, renames and deliveries at once: UIDVALIDITYs distinct, nothing lost', async () => {
  const u = await t.store.users.create({ username: 'racer', password: 'pw', quota: 10_000_000 });
  const inbox = (await t.store.mailboxes.get(u.id, 'INBOX'))!;
  const work = await t.store.mailboxes.create(u.id, 'Work');
  const raws = Array.from({ length: 12 }, (_, i) =>
    mail({ subject: `race ${i}`, text: 'x'.repeat(100 * i) }),
  );
  const renamed = ['Work2', 'Work3', 'Work4'];
  await Promise.all([
    ...Array.from({ length: 16 }, (_, i) => t.store.mailboxes.create(u.id, `Box${i}`)),
    ...raws.map((raw, i) => t.store.messages.add({ user: u.id, mailbox: i % 2 ? inbox.id : work.id, raw })),
    (async () => {
      let from = 'Work';
      for (const to of renamed) {
        await t.store.mailboxes.rename(u.id, from, to);
        from = to;
      }
    })(),
  ]);
  const boxes = await t.store.mailboxes.list(u.id);
  const validities = boxes.map((b) => b.uidValidity);
  assert.equal(new Set(validities).size, validities.length, 'every mailbox has its own UIDVALIDITY');
  const last = boxes.find((b) => b.path === 'Work4');
  assert.ok(last, 'the renames all took');
  assert.equal(last.id, work.id);
  // every delivery kept its UID and its bytes were charged once
  const inWork = await t.store.messages.listUids(u.id, work.id);
  const inInbox = await t.store.messages.listUids(u.id, inbox.id);
  assert.deepEqual(inWork, [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(inInbox, [1, 2, 3, 4, 5, 6]);
  const used = (await t.store.users.get(u.id))!.storageUsed;
  assert.equal(
    used,
    raws.reduce((n, r) => n + r.length, 0),
  );
});
