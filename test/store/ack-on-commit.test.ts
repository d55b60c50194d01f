// A delivery answered at its commit point (`ackOnCommit`, LMTP's way): the caller has its answer
// once the message document is durable, before the journal entry; the process that answered reads
// the mailbox with the message from then on, other processes once it is journaled, and a journal
// write that never holds still leaves the message listed everywhere (docs/ARCHITECTURE.md §3).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, openSecondStore, openStore, type TestStore } from './_store.ts';
import { mail } from './_mail.ts';
import type { StoreOptions } from '../../server/store/index.ts';

let t: TestStore;
before(async () => {
  t = await openStore();
});
after(async () => {
  await t.close();
});

/** Resolves to 'pending' when `p` has not settled within `ms`. */
const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<'pending'>((r) => setTimeout(r, ms, 'pending'))]);

async function deliverer(options: StoreOptions) {
  const logs: Array<{ msg: string; fields: Record<string, unknown> }> = [];
  const other = await openSecondStore(t, () => undefined, {
    bcryptRounds: 4,
    log: (msg, fields) => logs.push({ msg, fields }),
    ...options,
  });
  return { ...other, logs };
}

test('the answer comes at the commit point; the answering process reads the message from then on', async () => {
  const u = await t.store.users.create({ username: 'ackcommit', password: 'pw' });
  const inbox = (await t.store.mailboxes.get(u.id, 'INBOX'))!;
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  let writes = 0;
  const a = await deliverer({
    onJournalWrite: async () => {
      writes++;
      await gate; // the journal write waits until the test lets it go
    },
  });
  try {
    const raw = mail({ subject: 'answered early' });
    const res = await a.store.messages.add({ user: u.id, mailbox: inbox.id, raw, ackOnCommit: true });
    assert.equal(res.uid, 1);
    // the journal write follows the answer, and cannot end while the gate is shut
    await eventually(async () => writes === 1);
    assert.equal(
      await t.db.collection('journal').countDocuments({ mailbox: res.mailbox }),
      0,
      'not journaled yet',
    );
    // the answering process waits for the journal entry rather than read the mailbox without it
    const listed = a.store.messages.listUids(u.id, inbox.id);
    assert.equal(await within(listed, 200), 'pending');
    // a caller without ackOnCommit is answered after the journal entry, as ever
    const second = a.store.messages.add({ user: u.id, mailbox: inbox.id, raw: mail({ subject: 'late' }) });
    assert.equal(await within(second, 200), 'pending');
    open();
    // the second may be in by then too
    assert.equal((await listed)[0], 1);
    assert.equal((await second).uid, 2);
    // and the other process sees both once they are announced
    await eventually(async () => (await t.store.messages.listUids(u.id, inbox.id)).length === 2);
  } finally {
    open();
    await a.close();
  }
});

test('a journal write that never holds after the answer is logged; the message is listed from the messages', async () => {
  const u = await t.store.users.create({ username: 'acklost', password: 'pw' });
  const inbox = (await t.store.mailboxes.get(u.id, 'INBOX'))!;
  await t.store.messages.add({ user: u.id, mailbox: inbox.id, raw: mail({ subject: 'first' }) });
  const a = await deliverer({
    journalRetryMs: 300,
    onJournalWrite: () => {
      throw new Error('journal unavailable (injected)');
    },
  });
  try {
    const res = await a.store.messages.add({
      user: u.id,
      mailbox: inbox.id,
      raw: mail({ subject: 'second' }),
      ackOnCommit: true,
    });
    assert.equal(res.uid, 2, 'acknowledged: the document is durable');
    await eventually(async () =>
      a.logs.some(
        (l) =>
          l.msg === 'an acknowledged delivery could not be journaled; indexes list it from the messages' &&
          l.fields.uid === 2 &&
          l.fields.mailbox === inbox.id,
      ),
    );
    // both processes list it: the answering one from its own index, the other after the gap
    assert.deepEqual(await a.store.messages.listUids(u.id, inbox.id), [1, 2]);
    await eventually(async () => (await t.store.messages.listUids(u.id, inbox.id)).length === 2);
    assert.deepEqual(await t.store.messages.listUids(u.id, inbox.id), [1, 2]);
  } finally {
    await a.close();
  }
});
