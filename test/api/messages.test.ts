// Messages over the API: byte-exact upload and download, composing, parsing, attachments, flags,
// move, delete, search, size limits, live updates (SSE, resumable) and an IMAP session's IDLE.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ImapFlow } from 'imapflow';
import { startApi, type ApiEnv } from './_setup.ts';
import { sse } from './_client.ts';

let env: ApiEnv;
let alice: Awaited<ReturnType<ApiEnv['newUser']>>;
let bob: Awaited<ReturnType<ApiEnv['newUser']>>;
let inbox: string;
let archive: string;

// 8-bit bytes (latin-1 é and a raw 0xff), bare LF line ends, a "From " body line: stored as they came.
const EIGHT_BIT = Buffer.concat([
  Buffer.from('From: Zoë <zoe@example.test>\nTo: alice@example.test\nSubject: caf'),
  Buffer.from([0xe9, 0x20, 0xff]),
  Buffer.from(
    '\nDate: Tue, 3 Jun 2025 10:00:00 +0000\nMessage-ID: <eight@example.test>\n\nbare LF body\nFrom the start of a line\n',
  ),
  Buffer.from([0x80, 0x81, 0x0a]),
]);

const WITH_ATTACHMENT = [
  'From: Sender <sender@example.test>',
  'To: Alice <alice@example.test>, bob@example.test',
  'Cc: carol@example.test',
  'Subject: report attached',
  'Date: Wed, 4 Jun 2025 11:00:00 +0000',
  'Message-ID: <att@example.test>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b1"',
  '',
  '--b1',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'See the attachment, quarterly numbers.',
  '--b1',
  'Content-Type: application/octet-stream; name="data.bin"',
  'Content-Disposition: attachment; filename="data.bin"',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('attachment bytes \x00\x01\x02').toString('base64'),
  '--b1--',
  '',
].join('\r\n');

const plain = (n: number, subject = `plain ${n}`) =>
  `From: p${n}@example.test\r\nTo: alice@example.test\r\nSubject: ${subject}\r\nDate: Thu, 5 Jun 2025 12:00:0${n % 10} +0000\r\n\r\nbody ${n}\r\n`;

async function upload(raw: Buffer | string, query = '', mailbox = inbox) {
  return alice.client.req('POST', `/users/me/mailboxes/${mailbox}/messages${query}`, {
    body: raw,
    headers: { 'Content-Type': 'message/rfc822' },
  });
}

async function counters(mailbox: string) {
  const r = await alice.client.get(`/users/me/mailboxes/${mailbox}`);
  return { total: r.body.total as number, unseen: r.body.unseen as number, size: r.body.size as number };
}

before(async () => {
  env = await startApi({ services: ['api', 'imap'], env: { NESTBOX_MAX_MESSAGE_SIZE: String(64 * 1024) } });
  alice = await env.newUser('alice');
  bob = await env.newUser('bob');
  const boxes = (await alice.client.get('/users/me/mailboxes')).body.results as Array<{
    id: string;
    path: string;
  }>;
  inbox = boxes.find((b) => b.path === 'INBOX')!.id;
  archive = boxes.find((b) => b.path === 'Archive')!.id;
});
after(async () => {
  await env?.stop();
});

describe('upload and download', () => {
  test('message/rfc822 upload comes back byte for byte (8-bit, bare LF)', async () => {
    const r = await upload(EIGHT_BIT, '?unseen=true&flagged=true&date=2020-02-03T04:05:06Z');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.message.mailbox, inbox);
    assert.equal(r.body.message.size, EIGHT_BIT.length);
    const eml = await alice.client.get(
      `/users/me/mailboxes/${inbox}/messages/${r.body.message.id}/message.eml`,
    );
    assert.equal(eml.status, 200);
    assert.equal(eml.headers['content-type'], 'message/rfc822');
    assert.ok(eml.raw.equals(EIGHT_BIT), 'exact bytes');
    const item = (await alice.client.get(`/users/me/mailboxes/${inbox}/messages`)).body.results.find(
      (m: { id: number }) => m.id === r.body.message.id,
    );
    assert.equal(item.seen, false);
    assert.equal(item.flagged, true);
    assert.equal(item.idate, '2020-02-03T04:05:06.000Z');
  });

  test('JSON composes a message with MailComposer; raw base64 is stored as it is', async () => {
    const c = await alice.client.post(`/users/me/mailboxes/${inbox}/messages`, {
      from: { name: 'Me', address: 'alice@example.test' },
      to: ['bob@example.test'],
      subject: 'composed',
      text: 'hello there',
      html: '<p>hello <b>there</b></p>',
      attachments: [
        {
          filename: 'a.txt',
          contentType: 'text/plain',
          content: Buffer.from('attached!').toString('base64'),
        },
      ],
      unseen: true,
    });
    assert.equal(c.status, 200, c.text);
    const m = await alice.client.get(`/users/me/mailboxes/${inbox}/messages/${c.body.message.id}`);
    assert.equal(m.body.subject, 'composed');
    assert.deepEqual(m.body.from, { name: 'Me', address: 'alice@example.test' });
    assert.match(m.body.html[0], /<b>there<\/b>/);
    assert.equal(m.body.attachments.length, 1);
    const a = await alice.client.get(
      `/users/me/mailboxes/${inbox}/messages/${c.body.message.id}/attachments/${m.body.attachments[0].id}`,
    );
    assert.equal(a.text, 'attached!');
    const raw = Buffer.from(plain(9, 'raw base64'));
    const r = await alice.client.post(`/users/me/mailboxes/${inbox}/messages`, {
      raw: raw.toString('base64'),
    });
    const eml = await alice.client.get(
      `/users/me/mailboxes/${inbox}/messages/${r.body.message.id}/message.eml`,
    );
    assert.ok(eml.raw.equals(raw));
    assert.equal((await alice.client.post(`/users/me/mailboxes/${inbox}/messages`, {})).status, 400);
  });

  test('parsed message: headers, addresses, text, attachment list; attachment decoded', async () => {
    const r = await upload(WITH_ATTACHMENT);
    const m = await alice.client.get(`/users/me/mailboxes/${inbox}/messages/${r.body.message.id}`);
    assert.equal(m.status, 200);
    assert.equal(m.body.subject, 'report attached');
    assert.deepEqual(
      m.body.to.map((t: { address: string }) => t.address),
      ['alice@example.test', 'bob@example.test'],
    );
    assert.equal(m.body.cc[0].address, 'carol@example.test');
    assert.match(m.body.text, /quarterly numbers/);
    assert.ok(
      m.body.headers.some((h: { key: string; value: string }) => h.key.toLowerCase() === 'message-id'),
    );
    assert.equal(m.body.attachments.length, 1);
    assert.equal(m.body.attachments[0].filename, 'data.bin');
    const a = await alice.client.get(
      `/users/me/mailboxes/${inbox}/messages/${r.body.message.id}/attachments/${m.body.attachments[0].id}`,
    );
    assert.equal(a.status, 200);
    assert.ok(a.raw.equals(Buffer.from('attachment bytes \x00\x01\x02')));
    assert.equal(
      (await alice.client.get(`/users/me/mailboxes/${inbox}/messages/${r.body.message.id}/attachments/9`))
        .status,
      404,
    );
    const list = await alice.client.get(`/users/me/mailboxes/${inbox}/messages?limit=100`);
    const item = list.body.results.find((x: { id: number }) => x.id === r.body.message.id);
    for (const k of [
      'id',
      'mailbox',
      'subject',
      'from',
      'to',
      'date',
      'idate',
      'size',
      'intro',
      'seen',
      'flagged',
      'deleted',
      'draft',
      'attachments',
    ]) {
      assert.ok(k in item, k);
    }
    assert.equal(item.attachments, true);
  });

  test('larger than maxMessageSize → 413; empty → 400; other user → 403', async () => {
    const big = Buffer.alloc(70 * 1024, 'a');
    const r = await upload(Buffer.concat([Buffer.from('Subject: big\r\n\r\n'), big]));
    assert.equal(r.status, 413);
    assert.equal(r.body.code, 'PayloadTooLarge');
    assert.equal((await upload('')).status, 400);
    const other = await bob.client.req('POST', `/users/${alice.id}/mailboxes/${inbox}/messages`, {
      body: plain(1),
      headers: { 'Content-Type': 'message/rfc822' },
    });
    assert.equal(other.status, 403);
    assert.equal(
      (await alice.client.get(`/users/me/mailboxes/${inbox}/messages/999999/message.eml`)).status,
      404,
    );
  });

  test('cursor paging over messages', async () => {
    const box = (await alice.client.post('/users/me/mailboxes', { path: 'Paging' })).body.id;
    for (let i = 1; i <= 5; i++) await upload(plain(i), '', box);
    const p1 = await alice.client.get(`/users/me/mailboxes/${box}/messages?limit=2`);
    assert.equal(p1.body.total, 5);
    assert.deepEqual(
      p1.body.results.map((m: { id: number }) => m.id),
      [5, 4],
    );
    const p2 = await alice.client.get(
      `/users/me/mailboxes/${box}/messages?limit=2&next=${p1.body.nextCursor}`,
    );
    assert.deepEqual(
      p2.body.results.map((m: { id: number }) => m.id),
      [3, 2],
    );
    const back = await alice.client.get(
      `/users/me/mailboxes/${box}/messages?limit=2&previous=${p2.body.previousCursor}`,
    );
    assert.deepEqual(
      back.body.results.map((m: { id: number }) => m.id),
      [5, 4],
    );
    const asc = await alice.client.get(`/users/me/mailboxes/${box}/messages?limit=2&order=asc`);
    assert.deepEqual(
      asc.body.results.map((m: { id: number }) => m.id),
      [1, 2],
    );
  });
});

describe('flags, move, delete', () => {
  test('are reflected in mailbox counters', async () => {
    const box = (await alice.client.post('/users/me/mailboxes', { path: 'Counters' })).body.id;
    const a = (await upload(plain(1), '?unseen=true', box)).body.message.id;
    const b = (await upload(plain(2), '?unseen=true', box)).body.message.id;
    let c = await counters(box);
    assert.equal(c.total, 2);
    assert.equal(c.unseen, 2);
    assert.equal(c.size, Buffer.byteLength(plain(1)) + Buffer.byteLength(plain(2)));
    assert.equal(
      (await alice.client.put(`/users/me/mailboxes/${box}/messages/${a}`, { seen: true, flagged: true }))
        .status,
      200,
    );
    c = await counters(box);
    assert.equal(c.unseen, 1);
    const m = await alice.client.get(`/users/me/mailboxes/${box}/messages/${a}`);
    assert.equal(m.body.seen, true);
    assert.equal(m.body.flagged, true);
    const mv = await alice.client.put(`/users/me/mailboxes/${box}/messages/${b}`, { moveTo: archive });
    assert.equal(mv.status, 200);
    assert.equal(mv.body.mailbox, archive);
    assert.equal(mv.body.id[0][0], b);
    c = await counters(box);
    assert.equal(c.total, 1);
    assert.equal(c.unseen, 0);
    const moved = await alice.client.get(`/users/me/mailboxes/${archive}/messages/${mv.body.id[0][1]}`);
    assert.equal(moved.body.subject, 'plain 2');
    assert.equal((await alice.client.del(`/users/me/mailboxes/${box}/messages/${a}`)).status, 200);
    assert.equal((await counters(box)).total, 0);
    assert.equal((await alice.client.del(`/users/me/mailboxes/${box}/messages/${a}`)).status, 404);
    assert.equal(
      (await alice.client.put(`/users/me/mailboxes/${box}/messages/${a}`, { seen: true })).status,
      404,
    );
    assert.equal(
      (await alice.client.put(`/users/me/mailboxes/${box}/messages/1`, { seen: 'yes' })).status,
      400,
    );
  });

  test('an IMAP session in IDLE hears the API change flags, add and delete', async () => {
    const client = new ImapFlow({
      host: '127.0.0.1',
      port: env.srv.ports.imap!,
      secure: false,
      auth: { user: 'alice', pass: alice.password },
      logger: false,
      tls: { rejectUnauthorized: false },
    });
    await client.connect();
    try {
      const box = (await alice.client.post('/users/me/mailboxes', { path: 'Idle' })).body.id;
      const first = (await upload(plain(1), '?unseen=true', box)).body.message.id;
      await client.mailboxOpen('Idle');
      const seen: string[] = [];
      client.on('exists', (d: { count: number }) => seen.push(`exists ${d.count}`));
      client.on('expunge', () => seen.push('expunge'));
      client.on('flags', (d: { uid?: number; flags: Set<string> }) =>
        seen.push(`flags ${[...d.flags].join(' ')}`),
      );
      const idle = client.idle();
      await new Promise((r) => setTimeout(r, 200));
      await upload(plain(2), '?unseen=true', box);
      await alice.client.put(`/users/me/mailboxes/${box}/messages/${first}`, { flagged: true });
      await alice.client.del(`/users/me/mailboxes/${box}/messages/${first}`);
      const deadline = Date.now() + 10_000;
      while (
        Date.now() < deadline &&
        !(
          seen.some((s) => s.startsWith('exists')) &&
          seen.includes('expunge') &&
          seen.some((s) => s.includes('\\Flagged'))
        )
      ) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(seen.includes('exists 2'), JSON.stringify(seen));
      assert.ok(
        seen.some((s) => s.includes('\\Flagged')),
        JSON.stringify(seen),
      );
      assert.ok(seen.includes('expunge'), JSON.stringify(seen));
      void idle;
    } finally {
      await client.logout().catch(() => undefined);
    }
  });
});

describe('search', () => {
  test('by text, from, subject, size, flags, attachments and mailbox', async () => {
    const box = (await alice.client.post('/users/me/mailboxes', { path: 'Search' })).body.id;
    await upload(plain(1, 'alpha needle'), '?unseen=true', box);
    await upload(plain(2, 'beta'), '', box);
    await upload(WITH_ATTACHMENT, '', box);
    const s = (q: string) => alice.client.get(`/users/me/search?mailbox=${box}&${q}`);
    assert.deepEqual(
      (await s('subject=needle')).body.results.map((m: { subject: string }) => m.subject),
      ['alpha needle'],
    );
    assert.equal((await s('query=quarterly')).body.total, 1);
    assert.equal((await s('from=p2%40example.test')).body.results[0].subject, 'beta');
    assert.equal((await s('unseen=true')).body.total, 1);
    assert.equal((await s('seen=true')).body.total, 2);
    assert.equal((await s('attachments=true')).body.results[0].subject, 'report attached');
    assert.equal((await s('attachments=false')).body.total, 2);
    assert.equal((await s(`minSize=${Buffer.byteLength(WITH_ATTACHMENT)}`)).body.total, 1);
    assert.equal((await s('maxSize=10')).body.total, 0);
    assert.equal((await s('to=carol')).body.total, 1);
    assert.equal((await s('datestart=2000-01-01&dateend=2001-01-01')).body.total, 0);
    const all = await alice.client.get('/users/me/search?subject=needle');
    assert.equal(all.body.total, 1);
    const paged = await s('limit=2');
    assert.equal(paged.body.results.length, 2);
    assert.equal(
      (await alice.client.get(`/users/me/search?mailbox=${box}&limit=2&next=${paged.body.nextCursor}`)).body
        .results.length,
      1,
    );
    assert.equal((await bob.client.get(`/users/me/search?mailbox=${box}`)).status, 404);
  });
});

describe('live updates', () => {
  test('/users/:user/updates streams journal events and resumes with Last-Event-ID', async () => {
    const box = (await alice.client.post('/users/me/mailboxes', { path: 'Live' })).body.id;
    const s1 = await sse(env.port, '/users/me/updates', { token: alice.token });
    assert.equal(s1.status, 200);
    await s1.wait((e) => e.some((x) => x.event === 'ready'));
    const uid1 = (await upload(plain(1), '?unseen=true', box)).body.message.id;
    await s1.wait((e) =>
      e.some((x) => x.event === 'EXISTS' && x.data.uid === uid1 && x.data.mailbox === box),
    );
    await s1.wait((e) =>
      e.some((x) => x.event === 'counters' && x.data.mailbox === box && x.data.total === 1),
    );
    const lastId = s1.events.filter((e) => e.id).pop()!.id!;
    s1.close();
    // missed while disconnected: a flag change, a new message, a delete, a new mailbox
    await alice.client.put(`/users/me/mailboxes/${box}/messages/${uid1}`, { seen: true });
    const uid2 = (await upload(plain(2), '', box)).body.message.id;
    await alice.client.del(`/users/me/mailboxes/${box}/messages/${uid1}`);
    await alice.client.post('/users/me/mailboxes', { path: 'Live/Later' });
    const s2 = await sse(env.port, '/users/me/updates', {
      token: alice.token,
      headers: { 'Last-Event-ID': lastId },
    });
    const events = await s2.wait((e) => e.some((x) => x.event === 'ready'));
    s2.close();
    const mine = events.filter(
      (e) => e.data?.mailbox === box && ['EXISTS', 'EXPUNGE', 'FETCH'].includes(e.event),
    );
    assert.deepEqual(
      mine.map((e) => `${e.event} ${e.data.uid}`),
      [`FETCH ${uid1}`, `EXISTS ${uid2}`, `EXPUNGE ${uid1}`],
    );
    assert.ok(
      !events.some((e) => e.event === 'EXISTS' && e.data.uid === uid1),
      'nothing seen before is replayed',
    );
    assert.ok(
      events.some(
        (e) => e.event === 'mailbox' && e.data.command === 'MAILBOX_CREATE' && e.data.path === 'Live/Later',
      ),
    );
    // bob cannot listen to alice
    const s3 = await sse(env.port, `/users/${alice.id}/updates`, { token: bob.token });
    assert.equal(s3.status, 403);
    s3.close();
  });

  test('/events carries journal activity, auth events and log lines; accessToken in the query works', async () => {
    const s = await sse(
      env.port,
      `/events?backlog=0&accessToken=${encodeURIComponent(env.srv.adminToken)}`,
      {},
    );
    assert.equal(s.status, 200);
    await new Promise((r) => setTimeout(r, 300));
    await upload(plain(7, 'for events'));
    await env.anon.post('/authenticate', { username: 'alice', password: alice.password });
    // a failed login is logged at warn, which the test server's log level lets through
    await env.anon.post('/authenticate', { username: 'no-such-user', password: 'x' });
    await s.wait((e) =>
      e.some(
        (x) =>
          x.event === 'journal' &&
          x.data.command === 'EXISTS' &&
          x.data.username === 'alice' &&
          x.data.mailboxPath === 'INBOX',
      ),
    );
    await s.wait((e) =>
      e.some((x) => x.event === 'auth' && x.data.result === 'success' && x.data.protocol === 'api'),
    );
    await s.wait((e) => e.some((x) => x.event === 'log' && x.data.msg === 'login failed'));
    s.close();
    const denied = await sse(env.port, '/events', { token: alice.token });
    assert.equal(denied.status, 403);
    denied.close();
  });
});
