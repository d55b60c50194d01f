// Delivery rules over real LMTP: filters (mailbox, seen/flag, discard, spam), the spam verdict
// headers, forwarding and vacation replies through a local SMTP sink standing in for the relay.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTransport } from 'nodemailer';
import { ObjectId } from 'mongodb';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import type { Filters } from '../../server/store/filters.ts';
import type { Autoreplies } from '../../server/store/autoreply.ts';
import type { UserInfo } from '../../server/store/index.ts';
import { makeUser, mailboxRaw, startSink, waitFor, type SinkMessage } from './_util.ts';

let srv: TestServer;
let sink: Awaited<ReturnType<typeof startSink>>;
let filters: Filters;
let autoreplies: Autoreplies;

before(async () => {
  sink = await startSink();
  srv = await startTestServer({ services: ['lmtp'], env: { NESTBOX_SMTP_RELAY: sink.url } });
  filters = srv.store.filters;
  autoreplies = srv.store.autoreplies;
});
after(async () => {
  await srv?.stop();
  await sink?.close();
});

async function deliver(from: string, to: string[], raw: Buffer) {
  const t = createTransport({ host: '127.0.0.1', port: srv.ports.lmtp!, lmtp: true, ignoreTLS: true });
  return t.sendMail({ envelope: { from, to }, raw });
}

function mail(headers: Record<string, string>, body = 'Hello there.\r\n'): Buffer {
  const h = { From: 'Bob <bob@remote.test>', To: 'x@example.test', Subject: 'hi', ...headers };
  return Buffer.from(
    Object.entries(h)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('') + `\r\n${body}`,
  );
}

async function flagsIn(user: UserInfo, path: string): Promise<string[][]> {
  const box = (await srv.store.mailboxes.get(user.id, path))!;
  const out: string[][] = [];
  for await (const m of srv.store.messages.fetch(box.user, box.id, [[1, box.uidNext]], ['flags']))
    out.push(m.flags ?? []);
  return out;
}

test('filters route by subject/from/list-id/size/body/attachment, set flags and discard', async () => {
  const u = await makeUser(srv.store, 'filtered');
  const bills = await srv.store.mailboxes.create(u.id, 'Bills');
  const lists = await srv.store.mailboxes.create(u.id, 'Lists');
  const big = await srv.store.mailboxes.create(u.id, 'Big');
  await filters.create(u.id, {
    name: 'bills',
    query: { subject: 'INVOICE' },
    action: { mailbox: bills.id, seen: true },
  });
  await filters.create(u.id, {
    name: 'lists',
    query: { listId: 'dev.lists.test' },
    action: { mailbox: lists.id },
  });
  await filters.create(u.id, { name: 'junk-sender', query: { from: 'pest@' }, action: { delete: true } });
  await filters.create(u.id, { name: 'big', query: { size: 3000 }, action: { mailbox: big.id } });
  await filters.create(u.id, { name: 'word', query: { text: 'magic phrase' }, action: { flag: true } });
  await filters.create(u.id, { name: 'att', query: { ha: true }, action: { flag: true, seen: true } });
  await filters.create(u.id, {
    name: 'off',
    query: { subject: 'hi' },
    action: { delete: true },
    disabled: true,
  });

  const to = [u.address!];
  await deliver('a@remote.test', to, mail({ Subject: 'Your invoice 42' }));
  await deliver('a@remote.test', to, mail({ 'List-Id': 'Dev <dev.lists.test>' }));
  const dropped = await deliver('pest@remote.test', to, mail({ From: 'pest@remote.test' }));
  assert.deepEqual(dropped.accepted, to, 'a discarded message is still acknowledged');
  await deliver('a@remote.test', to, mail({}, 'x'.repeat(5000) + '\r\n'));
  await deliver('a@remote.test', to, mail({}, 'It has the MAGIC phrase inside.\r\n'));
  const withAttachment = mail(
    { 'MIME-Version': '1.0', 'Content-Type': 'multipart/mixed; boundary="b1"' },
    '--b1\r\nContent-Type: text/plain\r\n\r\nsee file\r\n--b1\r\nContent-Type: application/octet-stream\r\n' +
      'Content-Disposition: attachment; filename="a.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n--b1--\r\n',
  );
  await deliver('a@remote.test', to, withAttachment);
  await deliver('a@remote.test', to, mail({ Subject: 'hi' }, 'plain\r\n'));

  assert.deepEqual(await flagsIn(u, 'Bills'), [['\\Seen']]);
  assert.equal((await mailboxRaw(srv.store, u.id, 'Lists')).length, 1);
  assert.equal((await mailboxRaw(srv.store, u.id, 'Big')).length, 1);
  const inbox = await flagsIn(u, 'INBOX');
  assert.deepEqual(
    inbox.map((f) => [...f].sort()),
    [['\\Flagged'], ['\\Flagged', '\\Seen'], []],
  );
  const all = [...(await mailboxRaw(srv.store, u.id)), ...(await mailboxRaw(srv.store, u.id, 'Junk'))];
  assert.ok(!all.some((b) => b.includes('pest@remote.test')), 'discarded message not stored anywhere');
});

test('spam verdict headers go to Junk unless a filter says spam: false', async () => {
  const u = await makeUser(srv.store, 'spamtarget');
  await filters.create(u.id, { query: { from: 'friend@' }, action: { spam: false } });
  await deliver('s@remote.test', [u.address!], mail({ 'X-Spam-Flag': 'YES', Subject: 'flag' }));
  await deliver(
    's@remote.test',
    [u.address!],
    mail({ 'X-Spam-Status': 'Yes, score=9.1 required=5.0', Subject: 'status' }),
  );
  await deliver('s@remote.test', [u.address!], mail({ 'X-Spam-Status': 'No, score=0.1', Subject: 'ham' }));
  await deliver(
    'friend@remote.test',
    [u.address!],
    mail({ From: 'friend@remote.test', 'X-Spam-Flag': 'YES', Subject: 'friend' }),
  );
  const junk = (await mailboxRaw(srv.store, u.id, 'Junk')).map(
    (b) => /Subject: (\w+)/.exec(b.toString())?.[1],
  );
  const inbox = (await mailboxRaw(srv.store, u.id)).map((b) => /Subject: (\w+)/.exec(b.toString())?.[1]);
  assert.deepEqual(junk, ['flag', 'status']);
  assert.deepEqual(inbox, ['ham', 'friend']);
});

test('filter forwarding sends the received bytes through the relay and still stores a copy', async () => {
  const u = await makeUser(srv.store, 'forwarder');
  await filters.create(u.id, {
    query: { subject: 'fwd' },
    action: { targets: ['elsewhere@other.test', 'two@other.test'] },
  });
  const raw = mail({ Subject: 'please fwd', 'Message-ID': '<fwd1@remote.test>' }, '.dot\r\nbody\r\n');
  const before = sink.messages.length;
  await deliver('orig@remote.test', [u.address!], raw);
  await waitFor(() => sink.messages.some((m) => m.raw.includes('<fwd1@remote.test>')));
  const sent = sink.messages.slice(before).find((m) => m.raw.includes('<fwd1@remote.test>'))!;
  assert.deepEqual(sent.to.sort(), ['elsewhere@other.test', 'two@other.test']);
  assert.equal(sent.from, u.address);
  assert.ok(sent.raw.equals(Buffer.concat([Buffer.from(`Delivered-To: ${u.address}\r\n`), raw])));
  assert.equal((await mailboxRaw(srv.store, u.id)).length, 1);
  // a message that already passed through this address is not forwarded again (loop)
  const looped = Buffer.concat([
    Buffer.from(`Delivered-To: ${u.address}\r\n`),
    mail({ Subject: 'fwd loop', 'Message-ID': '<loop@x>' }),
  ]);
  await deliver('orig@remote.test', [u.address!], looped);
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(!sink.messages.some((m) => m.raw.includes('<loop@x>')));
  assert.equal((await mailboxRaw(srv.store, u.id)).length, 2);
});

test('vacation: one reply per sender per interval, none to lists, bulk, automatic, null or own senders', async () => {
  const u = await makeUser(srv.store, 'away');
  await autoreplies.set(u.id, {
    status: true,
    name: 'Away Person',
    subject: 'Out of office',
    text: 'Back Monday.',
  });
  const to = [u.address!];
  const replies = () => sink.messages.filter((m) => m.raw.includes('Out of office'));
  // none of these may be answered (RFC 3834 §2)
  await deliver('list@remote.test', to, mail({ 'List-Id': '<l.remote.test>' }));
  await deliver('bulk@remote.test', to, mail({ Precedence: 'bulk' }));
  await deliver('auto@remote.test', to, mail({ 'Auto-Submitted': 'auto-generated' }));
  await deliver('', to, mail({}));
  await deliver('MAILER-DAEMON@remote.test', to, mail({}));
  await deliver(u.address!, to, mail({}));
  await deliver('spam@remote.test', to, mail({ 'X-Spam-Flag': 'YES' }));
  // these are answered, the repeat is not
  await deliver(
    'carol@remote.test',
    to,
    mail({ 'Message-ID': '<c1@remote.test>', Subject: 'Lunch?', 'Auto-Submitted': 'no' }),
  );
  await deliver('carol@remote.test', to, mail({ 'Message-ID': '<c2@remote.test>', Subject: 'Lunch again?' }));
  await deliver(
    'dave@remote.test',
    to,
    mail({ 'Message-ID': '<d1@remote.test>', References: '<d0@remote.test>' }),
  );
  await waitFor(() => replies().length >= 2);
  await new Promise((r) => setTimeout(r, 500));
  const got: SinkMessage[] = replies();
  assert.deepEqual(got.map((m) => m.to[0]).sort(), ['carol@remote.test', 'dave@remote.test']);
  for (const m of got) {
    const text = m.raw.toString();
    assert.equal(m.from, '', 'null return path (RFC 3834 §3.3)');
    assert.match(text, /^Auto-Submitted: auto-replied\r$/m);
    assert.match(text, /^From: Away Person <away@example\.test>\r$/m);
  }
  const carol = got.find((m) => m.to[0] === 'carol@remote.test')!.raw.toString();
  assert.match(carol, /^In-Reply-To: <c1@remote\.test>\r$/m);
  const dave = got.find((m) => m.to[0] === 'dave@remote.test')!.raw.toString();
  assert.match(dave, /^References: <d0@remote\.test> <d1@remote\.test>\r$/m);
  const ttl = await srv.server.ctx.backends.redis.ttl(srv.store.keys.vacation(u.id, 'carol@remote.test'));
  assert.ok(ttl > 3 * 24 * 3600 && ttl <= 4 * 24 * 3600, `ttl ${ttl}`);
  // every message was still stored
  assert.equal(
    (await mailboxRaw(srv.store, u.id)).length + (await mailboxRaw(srv.store, u.id, 'Junk')).length,
    10,
  );
});

test("a filter cannot be saved with another user's mailbox, and one saved earlier delivers to INBOX", async () => {
  const mallory = await makeUser(srv.store, 'mallory');
  const victim = await makeUser(srv.store, 'victim');
  const target = await srv.store.mailboxes.create(victim.id, 'Private');
  await assert.rejects(
    filters.create(mallory.id, { query: {}, action: { mailbox: target.id } }),
    (err: Error & { code?: string }) => err.code === 'NOMAILBOX',
  );
  // as a filter stored before the check existed would be
  await srv.db.collection('filters').insertOne({
    user: new ObjectId(mallory.id),
    name: 'steal',
    query: {},
    action: { mailbox: target.id },
    disabled: false,
    created: new Date(),
  });
  const info = await deliver('a@remote.test', [mallory.address!], mail({ Subject: 'for mallory' }));
  assert.deepEqual(info.accepted, [mallory.address]);
  assert.equal((await mailboxRaw(srv.store, mallory.id)).length, 1);
  assert.equal((await mailboxRaw(srv.store, victim.id, 'Private')).length, 0);
});
