// Per-message reads go through ids this process remembers for (mailbox, uid). Another process (a
// second store on the same database and Redis) moves, expunges and appends behind its back: every
// read must still give exactly what the database holds now.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { buffer } from 'node:stream/consumers';
import { createStore, type Store } from '../../server/store/index.ts';
import { openStore, all, type TestStore } from './_store.ts';
import { mail } from './_mail.ts';
import { UidIds } from '../../server/store/uid-ids.ts';
import { ObjectId } from 'mongodb';

let t: TestStore;
let other: Store;
before(async () => {
  t = await openStore();
  // processes on one back end share the Redis prefix (server/notify/redis-keys.ts)
  other = createStore({
    db: t.db,
    redis: t.redis,
    options: { bcryptRounds: 4, channelPrefix: t.store.notify.prefix },
  });
});
after(async () => {
  await other.close();
  await t.close();
});

test('reads through remembered ids follow moves, expunges and appends made elsewhere', async () => {
  const u = await t.store.users.create({ username: 'remember', password: 'pw' });
  const inbox = (await t.store.mailboxes.get(u.id, 'INBOX'))!;
  const archive = (await t.store.mailboxes.get(u.id, 'Archive'))!;
  const raws = [1, 2, 3].map((i) => mail({ subject: `m${i}`, text: `body ${i}\r\n` }));
  for (const raw of raws) await t.store.messages.add({ user: u.id, mailbox: inbox.id, raw });

  // this process lists the mailbox (remembering every id), then reads one message by uid
  assert.deepEqual(await t.store.messages.listUids(inbox.user, inbox.id), [1, 2, 3]);
  assert.deepEqual(await buffer((await t.store.messages.openRaw(inbox.user, inbox.id, 1))!.stream), raws[0]);

  // elsewhere: uid 1 moves to Archive, uid 2 is expunged, a fourth message arrives
  await other.messages.move({ user: u.id, mailbox: inbox.id, uids: [1], target: archive.id });
  await other.messages.expunge({ user: u.id, mailbox: inbox.id, uids: [2], requireDeleted: false });
  const raw4 = mail({ subject: 'm4', text: 'body 4\r\n' });
  const added = await other.messages.add({ user: u.id, mailbox: inbox.id, raw: raw4 });
  assert.equal(added.uid, 4);

  // the moved and expunged pairs name no message here any more
  assert.equal(await t.store.messages.openRaw(inbox.user, inbox.id, 1), null);
  assert.equal(await t.store.messages.openSection(inbox.user, inbox.id, 2, 'TEXT'), null);
  const small = await all(t.store.messages.fetch(inbox.user, inbox.id, [1, 2, 3], ['subject']));
  assert.deepEqual(
    small.map((m) => [m.uid, m.subject]),
    [[3, 'm3']],
  );
  // uid 4 was never seen by this process: the read must still find it
  const wide = await all(t.store.messages.fetch(inbox.user, inbox.id, [[1, 4]], ['subject', 'flags']));
  assert.deepEqual(
    wide.map((m) => [m.uid, m.subject]),
    [
      [3, 'm3'],
      [4, 'm4'],
    ],
  );
  assert.deepEqual(await buffer((await t.store.messages.openRaw(inbox.user, inbox.id, 4))!.stream), raw4);
  // the moved message reads back exactly under its new uid in Archive
  assert.deepEqual(
    await buffer((await t.store.messages.openRaw(archive.user, archive.id, 1))!.stream),
    raws[0],
  );

  // flag changes made elsewhere show in reads through remembered ids
  await other.messages.updateFlags({
    user: u.id,
    mailbox: inbox.id,
    uids: [3],
    action: 'add',
    flags: ['\\Flagged'],
  });
  const [m3] = await all(t.store.messages.fetch(inbox.user, inbox.id, [3], ['flags']));
  assert.deepEqual(m3?.flags, ['\\Flagged']);
});

test('copy, flag and expunge by this process work on ids it remembered before a move elsewhere', async () => {
  const u = await t.store.users.create({ username: 'remember2', password: 'pw' });
  const inbox = (await t.store.mailboxes.get(u.id, 'INBOX'))!;
  const trash = (await t.store.mailboxes.get(u.id, 'Trash'))!;
  for (let i = 1; i <= 3; i++) {
    await t.store.messages.add({ user: u.id, mailbox: inbox.id, raw: mail({ subject: `c${i}` }) });
  }
  await t.store.messages.listUids(inbox.user, inbox.id);
  await other.messages.move({ user: u.id, mailbox: inbox.id, uids: [2], target: trash.id });

  const copied = await t.store.messages.copy({
    user: u.id,
    mailbox: inbox.id,
    uids: [[1, 3]],
    target: trash.id,
  });
  assert.deepEqual(copied.map, [
    { source: 1, target: 2 },
    { source: 3, target: 3 },
  ]);
  const flagged = await t.store.messages.updateFlags({
    user: u.id,
    mailbox: inbox.id,
    uids: [[1, 3]],
    action: 'add',
    flags: ['\\Deleted'],
  });
  assert.deepEqual(
    flagged.updated.map((x) => x.uid),
    [1, 3],
  );
  assert.deepEqual((await t.store.messages.expunge({ user: u.id, mailbox: inbox.id })).uids, [1, 3]);
  assert.deepEqual(await t.store.messages.listUids(inbox.user, inbox.id), []);
  assert.deepEqual(await t.store.messages.listUids(trash.user, trash.id), [1, 2, 3]);
});

test('the remembered ids stay within their bound, dropping whole mailboxes oldest first', () => {
  const ids = new UidIds(5);
  const a = new ObjectId();
  const b = new ObjectId();
  for (let uid = 1; uid <= 3; uid++) ids.set(a, uid, new ObjectId());
  for (let uid = 1; uid <= 3; uid++) ids.set(b, uid, new ObjectId());
  assert.equal(ids.get(a, 1), undefined, 'the older mailbox was dropped');
  assert.ok(ids.get(b, 3));
  // one mailbox over the bound keeps its newest entries
  for (let uid = 4; uid <= 9; uid++) ids.set(b, uid, new ObjectId());
  assert.equal(ids.get(b, 4), undefined);
  assert.ok(ids.get(b, 9));
  assert.ok(ids.get(b, 5));
  ids.forget(b, 9);
  assert.equal(ids.get(b, 9), undefined);
});
