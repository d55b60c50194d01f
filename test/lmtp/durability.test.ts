// The reply follows the store: no 250 before messages.add resolved, 451 4.3.0 when it fails,
// 552 5.2.2 for OVERQUOTA, and close() lets an in-flight delivery finish and answer first.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createLmtpServer, type LmtpServer } from '../../server/lmtp/server.ts';
import {
  StoreError,
  type AddMessageInput,
  type AddMessageResult,
  type Store,
} from '../../server/store/index.ts';
import { makeUser } from './_util.ts';

let srv: TestServer;
let lmtp: LmtpServer;
let port: number;
/** Decides what each messages.add call does; receives the real add. */
let addHook: (input: AddMessageInput, real: () => Promise<AddMessageResult>) => Promise<AddMessageResult>;

before(async () => {
  srv = await startTestServer({ services: ['lmtp'] });
  const real = srv.store.messages;
  const messages = Object.create(real) as Store['messages'];
  messages.add = (input) => addHook(input, () => real.add(input));
  const store: Store = { ...srv.store, messages };
  lmtp = createLmtpServer({ ...srv.server.ctx, store });
  await new Promise<void>((r) => lmtp.smtp.listen(0, '127.0.0.1', () => r()));
  port = (lmtp.smtp.server.address() as AddressInfo).port;
});
after(async () => {
  await srv?.stop();
});

/** Sends a transaction and collects reply lines as they come, with their arrival times. */
function transaction(rcpts: string[]) {
  const sock = connect(port, '127.0.0.1');
  const lines: Array<{ line: string; at: number }> = [];
  let buf = '';
  sock.on('data', (d) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\r\n')) >= 0) {
      lines.push({ line: buf.slice(0, i), at: Date.now() });
      buf = buf.slice(i + 2);
    }
  });
  sock.once('data', () =>
    sock.write(
      'LHLO t\r\nMAIL FROM:<s@remote.test>\r\n' +
        rcpts.map((r) => `RCPT TO:<${r}>\r\n`).join('') +
        'DATA\r\nSubject: t\r\n\r\nbody\r\n.\r\n',
    ),
  );
  const after354 = () => {
    const i = lines.findIndex((l) => l.line.startsWith('354'));
    return i < 0 ? [] : lines.slice(i + 1);
  };
  return { sock, lines, after354 };
}

async function until(cond: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timeout');
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('each recipient gets 250 only after its add resolved; a failing add gets 451 4.3.0, OVERQUOTA 552 5.2.2', async () => {
  const a = await makeUser(srv.store, 'dura');
  const b = await makeUser(srv.store, 'durb');
  const c = await makeUser(srv.store, 'durc');
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let resolvedAt = 0;
  addHook = async (input, real) => {
    await gate;
    if (input.user === b.id) throw new Error('database went away');
    if (input.user === c.id) throw new StoreError('OVERQUOTA', 'over');
    const r = await real();
    resolvedAt = Date.now();
    return r;
  };
  const t = transaction([a.address!, b.address!, c.address!]);
  await until(() => t.lines.some((l) => l.line.startsWith('354')));
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(t.after354(), [], 'no reply while the store has not answered');
  release();
  await until(() => t.after354().length === 3);
  const replies = t.after354();
  assert.match(replies[0]!.line, /^250 2\.6\.0 /);
  assert.ok(replies[0]!.at >= resolvedAt, '250 sent after add resolved');
  assert.match(replies[1]!.line, /^451 4\.3\.0 /);
  assert.match(replies[2]!.line, /^552 5\.2\.2 /);
  t.sock.destroy();
});

test('close() lets an in-flight delivery finish and answer, then ends the session with 421', async () => {
  const u = await makeUser(srv.store, 'closing');
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  addHook = async (_input, real) => {
    await gate;
    return real();
  };
  const t = transaction([u.address!]);
  await until(() => t.lines.some((l) => l.line.startsWith('354')));
  const closed = lmtp.close();
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(t.after354(), []);
  release();
  await closed;
  await until(() => t.after354().length >= 2);
  assert.match(t.after354()[0]!.line, /^250 2\.6\.0 /);
  assert.match(t.after354()[1]!.line, /^421 /);
  t.sock.destroy();
});
