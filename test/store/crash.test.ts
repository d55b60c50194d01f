// A process killed between any two steps of an add leaves no visible half message, and the
// sweep repairs counters and orphans.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { buffer } from 'node:stream/consumers';
import { ObjectId } from 'mongodb';
import { openStore, runChild, type TestStore } from './_store.ts';
import { mail, bytes } from './_mail.ts';
import type { AddStep } from '../../server/store/index.ts';

const STEPS: AddStep[] = [
  'reserved',
  'parsed',
  'attachments',
  'allocated',
  'inserted',
  'journaled',
  'published',
];
const fixture = fileURLToPath(new URL('./fixtures/crash-add.ts', import.meta.url));

let t: TestStore;
before(async () => {
  t = await openStore({ externalizeAbove: 1024, lockTtlMs: 500 });
});
after(async () => {
  await t.close();
});

/** A new user's INBOX, into which a child process adding `raw` (after a whole message, with
 * `afterOne`) died at `step`. */
async function killedAt(name: string, step: AddStep, seed: number, afterOne = false) {
  const u = await t.store.users.create({ username: name, password: 'pw' });
  const inbox = (await t.store.mailboxes.get(u.id, 'INBOX'))!;
  const raw = mail({ subject: `crash at ${step}`, attachment: bytes(20_000, seed) });
  const code = await runChild(fixture, t, {
    CRASH_USER: u.id,
    CRASH_MAILBOX: inbox.id,
    CRASH_STEP: step,
    CRASH_SEED: String(seed),
    ...(afterOne ? { CRASH_AFTER_ONE: '1' } : {}),
  });
  assert.equal(code, 0, 'the child died at the step');
  return { u, inbox, raw };
}

for (const [i, step] of STEPS.entries()) {
  test(`killed after "${step}"`, async () => {
    const { u, inbox, raw } = await killedAt(`crash${i}`, step, 1000 + i);

    const committed = STEPS.indexOf(step) >= STEPS.indexOf('inserted');
    const uids = await t.store.messages.listUids(inbox.user, inbox.id);
    if (committed) {
      // a message document means a complete message: every byte, attachments included
      assert.deepEqual(uids, [1]);
      const s = await t.store.messages.openRaw(inbox.user, inbox.id, 1);
      assert.deepEqual(await buffer(s!.stream), raw);
    } else {
      assert.deepEqual(uids, [], 'no message document, nothing visible');
      assert.deepEqual(await t.store.mailboxes.status(u.id, inbox.id).then((x) => x.messages), 0);
    }

    await t.store.sweep({ graceMs: 0 });
    const user = (await t.store.users.get(u.id))!;
    assert.equal(user.storageUsed, committed ? raw.length : 0, 'storageUsed repaired');
    const files = await t.db.collection('attachments.files').find({}).toArray();
    for (const f of files) {
      const holders = await t.db.collection('messages').countDocuments({ attachmentRefs: f.metadata.sha256 });
      assert.ok(holders > 0, 'no unreferenced file survives a sweep with grace 0');
      assert.equal(f.metadata.refs, holders);
      assert.equal(f.metadata.complete, true);
    }
    const orphans = await t.db
      .collection('attachments.chunks')
      .countDocuments({ files_id: { $nin: files.map((f) => f._id as ObjectId) } });
    assert.equal(orphans, 0, 'no orphan chunks');
    const box = (await t.store.mailboxes.getById(u.id, inbox.id))!;
    assert.ok(box.uidNext > Math.max(0, ...uids));
    // the mailbox keeps working after the crash
    const next = await t.store.messages.add({
      user: u.id,
      mailbox: inbox.id,
      raw: mail({ subject: 'after' }),
    });
    assert.ok(next.uid > Math.max(0, ...uids));
    assert.equal((await t.store.users.get(u.id))!.storageUsed, (committed ? raw.length : 0) + next.size);
  });
}

// A process that already added to the mailbox writes the next message beside its UID allocation, at
// the UID it expects: once the allocation is back, the message is in (killed there, it is complete
// and shows once an index finds the mailbox ahead of the journal, within INDEX_RECHECK_MS).
for (const [i, step] of STEPS.entries()) {
  test(`killed after "${step}" in an add whose UID was guessed`, async () => {
    const { u, inbox, raw } = await killedAt(`crashg${i}`, step, 2000 + i, true);

    const committed = STEPS.indexOf(step) >= STEPS.indexOf('allocated');
    const want = committed ? [1, 2] : [1];
    const end = Date.now() + 10_000;
    let uids = await t.store.messages.listUids(inbox.user, inbox.id);
    while (uids.length !== want.length && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 100));
      uids = await t.store.messages.listUids(inbox.user, inbox.id);
    }
    assert.deepEqual(uids, want);
    if (committed) {
      const s = await t.store.messages.openRaw(inbox.user, inbox.id, 2);
      assert.deepEqual(await buffer(s!.stream), raw);
    }
    // no document beside the listed ones
    assert.equal(
      await t.db.collection('messages').countDocuments({ mailbox: new ObjectId(inbox.id) }),
      want.length,
    );
    await t.store.sweep({ graceMs: 0 });
    const next = await t.store.messages.add({
      user: u.id,
      mailbox: inbox.id,
      raw: mail({ subject: 'after' }),
    });
    assert.ok(next.uid > want.length);
    assert.deepEqual(await t.store.messages.listUids(inbox.user, inbox.id), [...want, next.uid]);
  });
}
