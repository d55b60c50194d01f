// Two Nestbox processes on one database and one Redis (docs/ARCHITECTURE.md §4): a delivery
// through one reaches an IDLE session of the other within a second, and flag changes and
// expunges made on either side reach the other, each process following through its own shared
// mailbox index.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTransport } from 'nodemailer';
import { rmSync } from 'node:fs';
import { RawImap } from './_client.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let a: TestServer;
let b: TestServer;
let ca: RawImap;
let cb: RawImap;
const password = 'two-servers-secret';

async function login(srv: TestServer, local: string): Promise<RawImap> {
  const c = await RawImap.open(srv.ports.imap!, { localAddress: local });
  await c.response();
  const r = await c.command('L', `LOGIN carol ${password}`);
  assert.match(r.at(-1)!, /^L OK /);
  return c;
}

/** Reads untagged responses until `want` lines came or a second passed since `t0`. */
async function pushed(c: RawImap, count: number, t0: number): Promise<string[]> {
  const got: string[] = [];
  while (got.length < count) {
    const r = await c.response(Math.max(1, 1000 - (Date.now() - t0)));
    if (r === null) break;
    got.push(r);
  }
  return got;
}

before(async () => {
  a = await startTestServer({ services: ['imap', 'lmtp'] });
  b = await startTestServer({ services: ['imap'], dbName: a.dbName });
  await a.store.users.create({ username: 'carol', password, address: 'carol@example.test' });
  ca = await login(a, '127.0.9.1');
  cb = await login(b, '127.0.9.2');
});
after(async () => {
  ca.close();
  cb.close();
  await b.server.stop();
  rmSync(b.dataDir, { recursive: true, force: true });
  await a.stop();
});

test('a delivery through one server is pushed by IDLE on the other within a second', async () => {
  assert.ok((await cb.command('s1', 'SELECT INBOX')).includes('* 0 EXISTS'));
  assert.ok((await ca.command('s2', 'SELECT INBOX')).includes('* 0 EXISTS'));
  cb.write('i1 IDLE\r\n');
  assert.equal(await cb.response(), '+ idling');
  const lmtp = createTransport({ host: '127.0.0.1', port: a.ports.lmtp!, lmtp: true, ignoreTLS: true });
  const t0 = Date.now();
  await lmtp.sendMail({
    envelope: { from: 'x@example.org', to: ['carol@example.test'] },
    raw: 'From: x@example.org\r\nTo: carol@example.test\r\nSubject: hi\r\n\r\nhello\r\n',
  });
  assert.deepEqual(await pushed(cb, 2, t0), ['* 1 EXISTS', '* 1 RECENT']);
  assert.ok(Date.now() - t0 < 1000, 'pushed within a second');
  cb.write('DONE\r\n');
  assert.deepEqual(await cb.until('i1'), ['i1 OK IDLE terminated']);
});

test('flag changes and expunges cross both ways', async () => {
  // A (which delivered) learns of the message at its NOOP; B has it already
  assert.deepEqual(await ca.command('n1', 'NOOP'), ['* 1 EXISTS', '* 0 RECENT', 'n1 OK NOOP completed']);
  assert.deepEqual(await cb.command('f1', 'STORE 1 +FLAGS (\\Flagged)'), [
    '* 1 FETCH (FLAGS (\\Flagged \\Recent))',
    'f1 OK STORE completed',
  ]);
  ca.write('i2 IDLE\r\n');
  assert.equal(await ca.response(), '+ idling');
  // B's change was made before A went idle: IDLE starts by telling it
  assert.deepEqual(await pushed(ca, 1, Date.now()), ['* 1 FETCH (UID 1 FLAGS (\\Flagged))']);
  let t0 = Date.now();
  await cb.command('f2', 'STORE 1 +FLAGS.SILENT (\\Seen)');
  assert.deepEqual(await pushed(ca, 1, t0), ['* 1 FETCH (UID 1 FLAGS (\\Flagged \\Seen))']);
  ca.write('DONE\r\n');
  await ca.until('i2');

  cb.write('i3 IDLE\r\n');
  assert.equal(await cb.response(), '+ idling');
  t0 = Date.now();
  assert.deepEqual(await ca.command('d1', 'STORE 1 +FLAGS.SILENT (\\Deleted)'), ['d1 OK STORE completed']);
  assert.deepEqual(await pushed(cb, 1, t0), [
    '* 1 FETCH (UID 1 FLAGS (\\Flagged \\Seen \\Deleted \\Recent))',
  ]);
  t0 = Date.now();
  assert.deepEqual(await ca.command('d2', 'EXPUNGE'), ['* 1 EXPUNGE', 'd2 OK EXPUNGE completed']);
  assert.deepEqual(await pushed(cb, 1, t0), ['* 1 EXPUNGE']);
  cb.write('DONE\r\n');
  assert.deepEqual(await cb.until('i3'), ['i3 OK IDLE terminated']);
  assert.deepEqual(await cb.command('z', 'STATUS INBOX (MESSAGES UNSEEN)'), [
    '* STATUS "INBOX" (MESSAGES 0 UNSEEN 0)',
    'z OK STATUS completed',
  ]);
});
