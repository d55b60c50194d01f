// Journal entries of changes under way at once go in one insert (store/group-insert.ts): writers
// that come while an insert is on its way wait and go together in the next, each writer's
// documents in order; when a grouped insert stops at a document, the writers before it are in and
// the others are told, so that they write again on their own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MongoClient, ObjectId, type CommandStartedEvent, type Db } from 'mongodb';
import { testEnv, uniqueName } from '../helpers/backends.ts';
import { GroupInsert, GroupInsertError } from '../../server/store/group-insert.ts';
import { Journal } from '../../server/store/journal.ts';

let client: MongoClient;
let db: Db;
const inserts: number[] = [];

before(async () => {
  client = new MongoClient(testEnv().mongodbUri, { monitorCommands: true });
  await client.connect();
  db = client.db(uniqueName('nbt'));
  client.on('commandStarted', (e: CommandStartedEvent) => {
    if (e.commandName === 'insert') inserts.push((e.command.documents as unknown[]).length);
  });
});
after(async () => {
  await db.dropDatabase().catch(() => undefined);
  await client.close();
});

interface Doc {
  _id: string;
  n: number;
}

test('writers that come while an insert is on its way go together in the next', async () => {
  const coll = db.collection<Doc>('grouped');
  const group = new GroupInsert<Doc>((docs) => coll.insertMany(docs, { ordered: true }));
  const doc = (n: number): Doc => ({ _id: `g${n}`, n });
  inserts.length = 0;
  // the first goes at once; the next three come while it is on its way
  const first = group.add([doc(1)]);
  const rest = [group.add([doc(2), doc(3)]), group.add([doc(4)]), group.add([doc(5), doc(6)])];
  await Promise.all([first, ...rest]);
  assert.deepEqual(inserts, [1, 5], 'one insert for the writer alone, one for the three that waited');
  assert.deepEqual(
    (await coll.find({}).sort({ n: 1 }).toArray()).map((d) => d._id),
    ['g1', 'g2', 'g3', 'g4', 'g5', 'g6'],
  );
  // alone again: at once
  inserts.length = 0;
  await group.add([doc(7)]);
  assert.deepEqual(inserts, [1]);
});

test('a grouped insert that stops: the writers before the stop are in, the others are told', async () => {
  const coll = db.collection<Doc>('stopped');
  await coll.insertOne({ _id: 's4', n: 0 });
  const group = new GroupInsert<Doc>((docs) => coll.insertMany(docs, { ordered: true }));
  const doc = (n: number): Doc => ({ _id: `s${n}`, n });
  const first = group.add([doc(1)]);
  // these three wait for the first and go in one insert, which stops at s4 (already there)
  const outcomes = await Promise.allSettled([
    group.add([doc(2), doc(3)]),
    group.add([doc(4), doc(5)]),
    group.add([doc(6)]),
  ]);
  await first;
  assert.equal(outcomes[0]!.status, 'fulfilled');
  for (const o of outcomes.slice(1)) {
    assert.equal(o.status, 'rejected');
    assert.ok((o as PromiseRejectedResult).reason instanceof GroupInsertError);
  }
  assert.deepEqual(
    (await coll.find({}).toArray()).map((d) => d._id).sort(),
    ['s1', 's2', 's3', 's4'],
    'nothing after the stop went in',
  );
});

test('journal writes of changes at once share inserts, and every entry is read back in order', async () => {
  const journal = new Journal(db);
  const user = new ObjectId().toHexString();
  const boxes = [new ObjectId().toHexString(), new ObjectId().toHexString(), new ObjectId().toHexString()];
  inserts.length = 0;
  const outcomes = await Promise.all(
    boxes.flatMap((mailbox) =>
      [1, 3, 5].map((modseq) =>
        journal.write(
          [modseq, modseq + 1].map((m) => ({
            user,
            mailbox,
            modseq: m,
            command: 'FETCH' as const,
            uid: m,
            flags: [],
          })),
          1000,
        ),
      ),
    ),
  );
  assert.ok(outcomes.every((o) => o.attempts === 1 && !o.error));
  assert.ok(inserts.length < 9, `9 writes in ${inserts.length} inserts`);
  for (const mailbox of boxes) {
    const read: number[] = [];
    for await (const e of journal.since(mailbox, 0)) read.push(e.modseq);
    assert.deepEqual(read, [1, 2, 3, 4, 5, 6]);
  }
});
