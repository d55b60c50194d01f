// A failed add stored nothing, so it must charge nothing: the quota it reserved goes back before
// add rejects, at whatever step it failed, without waiting for the sweep.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openStore, type TestStore } from './_store.ts';
import { mail, bytes } from './_mail.ts';
import type { AddStep } from '../../server/store/index.ts';

let t: TestStore;
let failAt: AddStep | null = null;
before(async () => {
  t = await openStore({
    externalizeAbove: 1024,
    onStep: (step) => {
      if (step === failAt) throw new Error(`failure injected at ${step}`);
    },
  });
});
after(async () => {
  await t.close();
});

const storageOf = async (user: string) => (await t.store.users.get(user))!.storageUsed;

for (const step of ['reserved', 'parsed', 'attachments', 'allocated'] as const) {
  test(`an add that fails after the quota reservation (at "${step}") gives the reservation back`, async () => {
    const u = await t.store.users.create({ username: `q-${step}`, password: 'pw', quota: 10_000_000 });
    const inbox = (await t.store.mailboxes.get(u.id, 'INBOX'))!;
    const stored = await t.store.messages.add({
      user: u.id,
      mailbox: inbox.id,
      raw: mail({ subject: 'kept' }),
    });
    assert.equal(await storageOf(u.id), stored.size);

    failAt = step;
    try {
      await assert.rejects(
        t.store.messages.add({
          user: u.id,
          mailbox: inbox.id,
          raw: mail({ subject: 'lost', attachment: bytes(20_000, 7) }),
        }),
        /failure injected/,
      );
    } finally {
      failAt = null;
    }
    assert.equal(await storageOf(u.id), stored.size);
    assert.deepEqual(await t.store.messages.listUids(inbox.user, inbox.id), [stored.uid]);
  });
}
