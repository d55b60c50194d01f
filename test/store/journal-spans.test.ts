// The journal is read after a MODSEQ by spans of 512 MODSEQs, one equality query each
// (store/journal.ts): every entry comes back once and in order across span borders, nothing
// after the head, and entries written before spans existed are still found.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MongoClient, ObjectId, type CommandStartedEvent } from 'mongodb';
import { openStore, type TestStore } from './_store.ts';
import { testEnv } from '../helpers/backends.ts';
import { Journal, JOURNAL_COLLECTION, SPAN_SHIFT } from '../../server/store/journal.ts';
import type { NewJournalEntry } from '../../server/notify/index.ts';

let t: TestStore;
before(async () => {
  t = await openStore();
});
after(async () => {
  await t.close();
});

const user = new ObjectId().toHexString();
const entry = (mailbox: string, modseq: number): NewJournalEntry => ({
  user,
  mailbox,
  modseq,
  command: 'FETCH',
  uid: modseq,
  flags: [],
});

async function read(journal: Journal, mailbox: string, after: number): Promise<number[]> {
  const out: number[] = [];
  for await (const e of journal.since(mailbox, after)) out.push(e.modseq);
  return out;
}

test('entries after a MODSEQ come back in order across spans, by equality queries only', async () => {
  const span = 1 << SPAN_SHIFT;
  const mailbox = new ObjectId().toHexString();
  const other = new ObjectId().toHexString();
  const journal = new Journal(t.db);
  const total = 2 * span + 100; // into a third span
  const all = Array.from({ length: total }, (_, i) => entry(mailbox, i + 1));
  for (let i = 0; i < all.length; i += 300) await journal.write(all.slice(i, i + 300), 5_000);
  await journal.write([entry(other, 1), entry(other, 2)], 5_000);

  const client = new MongoClient(testEnv().mongodbUri, { monitorCommands: true });
  await client.connect();
  const filters: Array<Record<string, unknown>> = [];
  client.on('commandStarted', (e: CommandStartedEvent) => {
    if (e.commandName === 'find' && e.command.find === JOURNAL_COLLECTION) filters.push(e.command.filter);
  });
  try {
    const watched = new Journal(client.db(t.dbName));
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
    assert.deepEqual(await read(watched, mailbox, 0), range(1, total));
    assert.deepEqual(await read(watched, mailbox, span - 1), range(span, total));
    assert.deepEqual(await read(watched, mailbox, span), range(span + 1, total));
    assert.deepEqual(await read(watched, mailbox, total - 1), [total]);
    assert.deepEqual(await read(watched, mailbox, total), []);
    assert.deepEqual(await read(watched, other, 0), [1, 2]);
    for (const f of filters) {
      assert.deepEqual(Object.keys(f).sort(), ['mailbox', 'span'], JSON.stringify(f));
    }
  } finally {
    await client.close();
  }
});

test('entries written before spans existed are still read', async () => {
  const mailbox = new ObjectId().toHexString();
  const docs = [1, 2, 3].map((modseq) => ({
    _id: new ObjectId(),
    user: new ObjectId(user),
    mailbox: new ObjectId(mailbox),
    modseq,
    command: 'FETCH',
    uid: modseq,
    created: new Date(),
  }));
  await t.db.collection(JOURNAL_COLLECTION).insertMany(docs);
  const journal = new Journal(t.db);
  assert.deepEqual(await read(journal, mailbox, 0), [1, 2, 3]);
  assert.deepEqual(await read(journal, mailbox, 2), [3]);
  // and a newer entry, with its span, after them
  await journal.write([entry(mailbox, 4)], 5_000);
  assert.deepEqual(await read(journal, mailbox, 3), [4]);
});
