// A user at their message limit (RFC 9208 MESSAGE) is answered as one over the storage quota:
// 552 for that recipient only, nothing stored, the others delivered, and the server goes on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { lmtpTalk, makeUser, mailboxRaw } from './_util.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ services: ['lmtp'] });
});
after(async () => {
  await srv?.stop();
});

const deliver = async (rcpts: string[], subject: string) => {
  const lines = await lmtpTalk(
    srv.ports.lmtp!,
    'LHLO t\r\nMAIL FROM:<s@remote.test>\r\n' +
      rcpts.map((r) => `RCPT TO:<${r}>\r\n`).join('') +
      `DATA\r\nSubject: ${subject}\r\n\r\nbody\r\n.\r\nQUIT\r\n`,
    (l) => l.some((x) => x.startsWith('221')),
  );
  const i = lines.findIndex((l) => l.startsWith('354'));
  return lines.slice(i + 1, -1);
};

test('delivery past the message limit: 552 for that recipient, the others stored', async () => {
  const full = await makeUser(srv.store, 'limit-full');
  await srv.store.users.update(full.id, { messageQuota: 2 });
  const free = await makeUser(srv.store, 'limit-free');
  for (const s of ['one', 'two']) {
    const r = await deliver([full.address!], s);
    assert.match(r[0]!, /^250 /, r.join('\n'));
  }
  const replies = await deliver([full.address!, free.address!], 'three');
  assert.equal(replies.length, 2, replies.join('\n'));
  assert.match(replies[0]!, /^552 5\.\d\.\d .*over quota/);
  assert.match(replies[1]!, /^250 /);
  assert.equal((await mailboxRaw(srv.store, full.id)).length, 2);
  assert.equal((await srv.store.users.get(full.id))!.messagesUsed, 2);
  assert.equal((await mailboxRaw(srv.store, free.id)).length, 1);
  // the server still takes mail
  const again = await deliver([free.address!], 'four');
  assert.match(again[0]!, /^250 /);
});
