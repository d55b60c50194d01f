// RFC 2033 §4.2: after DATA, one reply for every RCPT that was answered 250, repeated recipients
// included; a client that counts its replies must never be left waiting for one more.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { lmtpTalk, makeUser, mailboxRaw } from './_util.ts';

let srv: TestServer;

before(async () => {
  srv = await startTestServer({ services: ['lmtp'], env: { NESTBOX_MAX_MESSAGE_SIZE: '100000' } });
});
after(async () => {
  await srv?.stop();
});

const MESSAGE = 'From: a@remote.test\r\nSubject: twice\r\n\r\nHello.\r\n';

/** Runs one transaction and QUIT; returns the RCPT replies and the replies between 354 and 221. */
async function transaction(rcpts: string[], body: string) {
  const lines = await lmtpTalk(
    srv.ports.lmtp!,
    'LHLO mta.test\r\nMAIL FROM:<a@remote.test>\r\n' +
      rcpts.map((r) => `RCPT TO:<${r}>\r\n`).join('') +
      `DATA\r\n${body}.\r\nQUIT\r\n`,
    (l) => l.some((x) => x.startsWith('221')),
  );
  const start = lines.findIndex((l) => l.startsWith('354'));
  assert.ok(start > 0, lines.join('\n'));
  const rcptReplies = lines.slice(0, start).filter((l) => /^(250 2\.1\.5|4\d\d|5\d\d) /.test(l));
  const dataReplies = lines.slice(
    start + 1,
    lines.findIndex((l) => l.startsWith('221')),
  );
  return { rcptReplies, dataReplies };
}

test('a repeated RCPT TO gets its own reply after DATA, and the message is stored once', async () => {
  const dup = await makeUser(srv.store, 'dup');
  const other = await makeUser(srv.store, 'other');
  const rcpts = [dup.address!, dup.address!, 'DUP@example.test', other.address!];
  const { rcptReplies, dataReplies } = await transaction(rcpts, MESSAGE);
  assert.equal(rcptReplies.length, 4);
  for (const r of rcptReplies) assert.match(r, /^250 2\.1\.5 /);
  assert.equal(dataReplies.length, 4, dataReplies.join('\n'));
  for (const r of dataReplies) assert.match(r, /^250 2\.6\.0 /);
  // the three replies for one mailbox report the same stored copy
  assert.equal(new Set(dataReplies.slice(0, 3)).size, 1);
  assert.equal((await mailboxRaw(srv.store, dup.id)).length, 1);
  assert.equal((await mailboxRaw(srv.store, other.id)).length, 1);
});

test('an oversized message gets 552 5.3.4 once per accepted RCPT, repeated ones included', async () => {
  const u = await makeUser(srv.store, 'dupbig');
  const body = ('y'.repeat(998) + '\r\n').repeat(120); // > 100 000 bytes
  const { dataReplies } = await transaction([u.address!, u.address!], body);
  assert.equal(dataReplies.length, 2, dataReplies.join('\n'));
  for (const r of dataReplies) assert.match(r, /^552 5\.3\.4 /);
  assert.equal((await mailboxRaw(srv.store, u.id)).length, 0);
});

test('repeated recipients count against the 100-recipient limit', async () => {
  const u = await makeUser(srv.store, 'dupmany');
  const rcpts = Array.from({ length: 101 }, () => u.address!);
  const { rcptReplies, dataReplies } = await transaction(rcpts, MESSAGE);
  assert.equal(rcptReplies.length, 101);
  // RFC 5321 §4.5.3.1.10: 452 when the recipient limit is reached
  assert.match(rcptReplies[100]!, /^452 .*too many recipients/);
  assert.equal(dataReplies.length, 100);
  for (const r of dataReplies) assert.match(r, /^250 2\.6\.0 /);
  assert.equal((await mailboxRaw(srv.store, u.id)).length, 1);
});
