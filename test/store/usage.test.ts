// Usage of users without limits (server/store/usage.ts): their storageUsed and messagesUsed are
// added up and written a moment later in one update, exact for any read through the process that
// counted them and in the database within USAGE_DELAY_MS; a quota set through another process is
// checked from the next change on; a closing store writes what it still holds.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ObjectId } from 'mongodb';
import { openSecondStore, openStore, type TestStore } from './_store.ts';
import { mail } from './_mail.ts';
import { isStoreError } from '../../server/store/index.ts';
import { USAGE_DELAY_MS } from '../../server/store/usage.ts';

let t: TestStore;
before(async () => {
  t = await openStore();
});
after(async () => {
  await t.close();
});

/** A store as another process has it, and the writes it sends to the users. */
async function watchedStore() {
  let writes = 0;
  const second = await openSecondStore(t, (e) => {
    if (['update', 'findAndModify'].includes(e.commandName) && e.command[e.commandName] === 'users') writes++;
  });
  return {
    ...second,
    /** Writes of the users since the last call. */
    userWrites: () => {
      const n = writes;
      writes = 0;
      return n;
    },
  };
}

const stored = async (user: string) => {
  const d = await t.db.collection('users').findOne({ _id: new ObjectId(user) });
  return { bytes: d!.storageUsed as number, count: d!.messagesUsed as number };
};

test('a user without limits: ten changes, few writes, exact counts at once here and soon everywhere', async () => {
  const u = await t.store.users.create({ username: 'usage-free' });
  const inbox = (await t.store.mailboxes.get(u.id, 'INBOX'))!;
  const w = await watchedStore();
  try {
    const sizes: number[] = [];
    w.userWrites();
    for (let i = 0; i < 8; i++) {
      sizes.push(
        (await w.store.messages.add({ user: u.id, mailbox: inbox.id, raw: mail({ subject: `u${i}` }) })).size,
      );
    }
    await w.store.messages.expunge({ user: u.id, mailbox: inbox.id, uids: [1, 2], requireDeleted: false });
    const bytes = sizes.slice(2).reduce((a, b) => a + b);
    // the process that counted them reads them exact
    const here = (await w.store.users.get(u.id))!;
    assert.deepEqual([here.storageUsed, here.messagesUsed], [bytes, 6]);
    assert.ok(w.userWrites() <= 3, 'ten changes, at most a few writes of the user');
    // ... and the database has them within the delay, read by nobody
    for (let i = 0; i < 6; i++) {
      await w.store.messages.add({ user: u.id, mailbox: inbox.id, raw: mail({ subject: `v${i}` }) });
    }
    await sleep(USAGE_DELAY_MS * 5);
    assert.deepEqual((await stored(u.id)).count, 12);
  } finally {
    await w.close();
  }
});

test('a quota set through another process is checked from the next change', async () => {
  const u = await t.store.users.create({ username: 'usage-capped' });
  const inbox = (await t.store.mailboxes.get(u.id, 'INBOX'))!;
  const w = await watchedStore();
  const raw = mail({ subject: 'fits', text: 'x'.repeat(2000) });
  try {
    await w.store.messages.add({ user: u.id, mailbox: inbox.id, raw });
    await w.store.messages.add({ user: u.id, mailbox: inbox.id, raw });
    // another process caps the user just above what the two use, before this one wrote them
    await t.store.users.update(u.id, { quota: 2 * raw.length + 100 });
    await assert.rejects(w.store.messages.add({ user: u.id, mailbox: inbox.id, raw }), (e) =>
      isStoreError(e, 'OVERQUOTA'),
    );
    assert.deepEqual(await stored(u.id), { bytes: 2 * raw.length, count: 2 });
    await t.store.users.update(u.id, { messageQuota: 0, quota: 0 });
    await w.store.messages.add({ user: u.id, mailbox: inbox.id, raw });
  } finally {
    // a closing store writes what it counted
    await w.close();
  }
  assert.deepEqual(await stored(u.id), { bytes: 3 * raw.length, count: 3 });
});
