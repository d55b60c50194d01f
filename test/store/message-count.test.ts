// The user's message count (RFC 9208 MESSAGE usage) follows every change of the user's messages
// the way storageUsed does, the message limit refuses what would pass it with OVERQUOTA, users
// stored before the count existed get it counted once, and the sweep and the recount repair it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ObjectId } from 'mongodb';
import { openStore, type TestStore } from './_store.ts';
import { mail } from './_mail.ts';
import type { AddStep } from '../../server/store/index.ts';

let t: TestStore;
let failAt: AddStep | null = null;
before(async () => {
  t = await openStore({
    onStep: (step) => {
      if (step === failAt) throw new Error(`failure injected at ${step}`);
    },
  });
});
after(async () => {
  await t.close();
});

const usage = async (user: string) => {
  const u = (await t.store.users.get(user))!;
  return { messages: u.messagesUsed, limit: u.messageQuota };
};

async function setup(name: string, messageQuota?: number) {
  const u = await t.store.users.create({
    username: name,
    password: 'pw',
    ...(messageQuota !== undefined ? { messageQuota } : {}),
  });
  const inbox = (await t.store.mailboxes.get(u.id, 'INBOX'))!;
  const other = await t.store.mailboxes.create(u.id, 'Other');
  const add = (subject: string) =>
    t.store.messages.add({ user: u.id, mailbox: inbox.id, raw: mail({ subject }) });
  return { u, inbox, other, add };
}

test('the count follows add, copy, move, expunge, a failed add and a deleted mailbox', async () => {
  const { u, inbox, other, add } = await setup('count-follows');
  assert.deepEqual(await usage(u.id), { messages: 0, limit: 0 });
  for (const s of ['a', 'b', 'c']) await add(s);
  assert.equal((await usage(u.id)).messages, 3);
  await t.store.messages.copy({ user: u.id, mailbox: inbox.id, uids: [[1, 2]], target: other.id });
  assert.equal((await usage(u.id)).messages, 5);
  await t.store.messages.move({ user: u.id, mailbox: inbox.id, uids: [3], target: other.id });
  assert.equal((await usage(u.id)).messages, 5);
  await t.store.messages.expunge({ user: u.id, mailbox: inbox.id, uids: [1], requireDeleted: false });
  assert.equal((await usage(u.id)).messages, 4);
  failAt = 'allocated';
  try {
    await assert.rejects(add('lost'), /failure injected/);
  } finally {
    failAt = null;
  }
  assert.equal((await usage(u.id)).messages, 4);
  await t.store.mailboxes.delete(u.id, 'Other');
  assert.equal((await usage(u.id)).messages, 1);
});

test('the message limit: an add or copy that would pass it is OVERQUOTA and stores nothing', async () => {
  const { u, inbox, other, add } = await setup('count-limit', 3);
  await add('a');
  await add('b');
  // two copies with room for one: all or nothing
  await assert.rejects(
    t.store.messages.copy({ user: u.id, mailbox: inbox.id, uids: [[1, 2]], target: other.id }),
    (err: Error & { code?: string }) => err.code === 'OVERQUOTA' && /message limit/.test(err.message),
  );
  assert.deepEqual(await t.store.messages.listUids(u.id, other.id), []);
  assert.deepEqual(await usage(u.id), { messages: 2, limit: 3 });
  await add('c');
  await assert.rejects(add('d'), (err: Error & { code?: string }) => err.code === 'OVERQUOTA');
  assert.deepEqual(await usage(u.id), { messages: 3, limit: 3 });
  // a move keeps the count, so it is never over the limit
  await t.store.messages.move({ user: u.id, mailbox: inbox.id, uids: [1], target: other.id });
  // room again after an expunge; raising the limit works too
  await t.store.messages.expunge({ user: u.id, mailbox: inbox.id, uids: [2], requireDeleted: false });
  await add('e');
  await t.store.users.update(u.id, { messageQuota: 0 });
  await add('f');
  assert.deepEqual(await usage(u.id), { messages: 4, limit: 0 });
});

test('messageQuota is validated like quota', async () => {
  await assert.rejects(
    t.store.users.create({ username: 'count-bad', password: 'pw', messageQuota: -1 }),
    (err: Error & { code?: string }) => err.code === 'INVALID',
  );
  const { u } = await setup('count-bad2');
  await assert.rejects(
    t.store.users.update(u.id, { messageQuota: 1.5 }),
    (err: Error & { code?: string }) => err.code === 'INVALID',
  );
});

test('a user stored before the count existed is counted once; an expunge before that leaves no trace', async () => {
  const { u, inbox, add } = await setup('count-legacy');
  for (const s of ['a', 'b', 'c']) await add(s);
  const users = t.db.collection('users');
  const _id = new ObjectId(u.id);
  await users.updateOne({ _id }, { $unset: { messagesUsed: '' } });
  // as a process that has not seen the user since finds it (a user counted once stays counted, so
  // a process keeps knowing it is: server/store/usage.ts)
  await t.redis.del(t.store.keys.directoryVersion);
  // removal does not invent a count
  await t.store.messages.expunge({ user: u.id, mailbox: inbox.id, uids: [1], requireDeleted: false });
  assert.equal((await users.findOne({ _id }))!.messagesUsed, undefined);
  // the first add counts and stores it, then adds its own message
  await add('d');
  assert.equal((await users.findOne({ _id }))!.messagesUsed, 3);
  await users.updateOne({ _id }, { $unset: { messagesUsed: '' } });
  // reading the user counts it too
  assert.equal((await usage(u.id)).messages, 3);
  assert.equal((await users.findOne({ _id }))!.messagesUsed, 3);
});

test('the sweep and the recount repair a wrong count', async () => {
  const { u, add } = await setup('count-repair');
  await add('a');
  await add('b');
  const users = t.db.collection('users');
  const _id = new ObjectId(u.id);
  await users.updateOne({ _id }, { $set: { messagesUsed: 40 } });
  const report = await t.store.sweep({ graceMs: 0 });
  assert.ok(report.storageFixed >= 1);
  assert.equal((await usage(u.id)).messages, 2);
  await users.updateOne({ _id }, { $set: { messagesUsed: 7 } });
  await t.store.users.recountStorage(u.id);
  assert.equal((await usage(u.id)).messages, 2);
});
