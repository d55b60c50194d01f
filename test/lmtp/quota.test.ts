// A delivery that fails inside the store after the quota was reserved answers 451 4.3.0 and
// charges nothing: right after the replies every recipient's storageUsed is what it was.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createLmtpServer, type LmtpServer } from '../../server/lmtp/server.ts';
import { createStore, type AddStep, type Store } from '../../server/store/index.ts';
import { lmtpTalk, mailboxRaw, makeUser } from './_util.ts';

let srv: TestServer;
let lmtp: LmtpServer;
let failing: Store;
let port: number;
let failAt: AddStep | null = null;

before(async () => {
  srv = await startTestServer({ services: ['lmtp'] });
  const { database, redis } = srv.server.ctx.backends;
  const store = (failing = createStore({
    database,
    redis,
    options: {
      onStep: (step) => {
        if (step === failAt) throw new Error(`failure injected at ${step}`);
      },
    },
  }));
  lmtp = createLmtpServer({ ...srv.server.ctx, store });
  await new Promise<void>((r) => lmtp.smtp.listen(0, '127.0.0.1', () => r()));
  port = (lmtp.smtp.server.address() as AddressInfo).port;
});
after(async () => {
  await lmtp?.close();
  await failing?.close();
  await srv?.stop();
});

const deliver = async (rcpts: string[]) => {
  const lines = await lmtpTalk(
    port,
    'LHLO t\r\nMAIL FROM:<s@remote.test>\r\n' +
      rcpts.map((r) => `RCPT TO:<${r}>\r\n`).join('') +
      'DATA\r\nSubject: quota\r\n\r\n' +
      'body line\r\n'.repeat(500) +
      '.\r\nQUIT\r\n',
    (l) => l.some((x) => x.startsWith('221')),
  );
  const i = lines.findIndex((l) => l.startsWith('354'));
  return lines.slice(i + 1, -1);
};

for (const step of ['reserved', 'allocated'] as const) {
  test(`a failure after the reservation (at "${step}") gives every recipient's quota back at once`, async () => {
    const users = await Promise.all(
      [1, 2, 3].map((i) => makeUser(srv.store, `quota-${step}-${i}`, { quota: 1_000_000 })),
    );
    const rcpts = users.map((u) => u.address!);
    failAt = step;
    try {
      const replies = await deliver(rcpts);
      assert.equal(replies.length, 3, replies.join('\n'));
      for (const r of replies) assert.match(r, /^451 4\.3\.0 /);
    } finally {
      failAt = null;
    }
    for (const u of users) {
      assert.equal((await srv.store.users.get(u.id))!.storageUsed, 0, u.address!);
      assert.equal((await mailboxRaw(srv.store, u.id)).length, 0);
    }
    // and the next delivery charges exactly what it stored
    const replies = await deliver(rcpts);
    for (const r of replies) assert.match(r, /^250 2\.6\.0 /);
    for (const u of users) {
      // read through the store that answered: it reads what it acknowledged at once (another
      // process sees it once journaled and announced, docs/ARCHITECTURE.md §3)
      const [stored] = await mailboxRaw(failing, u.id);
      assert.equal((await srv.store.users.get(u.id))!.storageUsed, stored!.length);
    }
  });
}
