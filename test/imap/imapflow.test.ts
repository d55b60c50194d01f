// The commands and extensions through imapflow, a real client library: login, STARTTLS, ID,
// NAMESPACE, LIST / LSUB / STATUS, CREATE / RENAME / DELETE / SUBSCRIBE, APPEND (APPENDUID),
// SELECT / EXAMINE, FETCH, STORE, SEARCH, COPY / MOVE (COPYUID), UID EXPUNGE, IDLE.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ImapFlow } from 'imapflow';
import { startImap, type ImapTestEnv } from './_setup.ts';

let env: ImapTestEnv;
let client: ImapFlow;

const MSG = (n: number, extra = '') =>
  `From: Sender ${n} <s${n}@example.test>\r\nTo: alice@example.test\r\nSubject: flow ${n}\r\n` +
  `Message-ID: <flow${n}@example.test>\r\nDate: Wed, 1 Jan 2025 10:00:0${n % 10} +0000\r\n\r\nBody ${n}${extra}\r\n`;

function newClient(): ImapFlow {
  return new ImapFlow({
    host: '127.0.0.1',
    port: env.port,
    secure: false,
    auth: { user: 'Alice@Example.test', pass: env.user.password },
    logger: false,
    tls: { rejectUnauthorized: false },
  });
}

before(async () => {
  env = await startImap();
  client = newClient();
  await client.connect();
});
after(async () => {
  await client.logout().catch(() => undefined);
  await env.srv.stop();
});

test('connects over STARTTLS, sees our capabilities, ID and NAMESPACE', async () => {
  assert.equal(client.secureConnection, true, 'imapflow upgraded with STARTTLS');
  for (const cap of [
    'IDLE',
    'UIDPLUS',
    'MOVE',
    'SPECIAL-USE',
    'NAMESPACE',
    'UNSELECT',
    'ENABLE',
    'LITERAL+',
    'ID',
  ]) {
    assert.ok(client.capabilities.has(cap), cap);
  }
  assert.equal(client.capabilities.get('APPENDLIMIT'), 64 * 1024 * 1024);
  assert.deepEqual(client.serverInfo, { name: 'Nestbox', vendor: 'Nestbox' });
  assert.deepEqual(client.namespaces?.personal, [{ prefix: '', delimiter: '/' }]);
});

test('mailbox management: list with special use, create, rename, subscribe, status, delete', async () => {
  const list = await client.list();
  assert.deepEqual(
    list.map((m) => [m.path, m.specialUse ?? null]).sort((x, y) => (x[0]! < y[0]! ? -1 : 1)),
    [
      ['Archive', '\\Archive'],
      ['Drafts', '\\Drafts'],
      ['INBOX', '\\Inbox'],
      ['Junk', '\\Junk'],
      ['Sent', '\\Sent'],
      ['Trash', '\\Trash'],
    ],
  );
  assert.deepEqual(await client.mailboxCreate(['Projects', 'Ünïcode']), {
    path: 'Projects/Ünïcode',
    created: true,
  });
  assert.deepEqual(await client.mailboxRename('Projects', 'Work'), {
    path: 'Projects',
    newPath: 'Work',
  });
  const paths = (await client.list()).map((m) => m.path);
  assert.ok(paths.includes('Work/Ünïcode') && paths.includes('Work') && !paths.includes('Projects'));
  assert.equal(await client.mailboxSubscribe('Work/Ünïcode'), true);
  const subscribed = (await client.listTree()).folders?.find((f) => f.path === 'Work');
  assert.equal(subscribed?.folders?.[0]?.subscribed, true);
  assert.equal(await client.mailboxUnsubscribe('Work/Ünïcode'), true);
  const status = await client.status('Work/Ünïcode', {
    messages: true,
    uidNext: true,
    unseen: true,
    recent: true,
  });
  assert.ok(status);
  assert.deepEqual(
    { ...status, validity: undefined },
    {
      path: 'Work/Ünïcode',
      messages: 0,
      uidNext: 1,
      unseen: 0,
      recent: 0,
      validity: undefined,
    },
  );
  assert.deepEqual(await client.mailboxDelete('Work/Ünïcode'), { path: 'Work/Ünïcode' });
  await assert.rejects(client.mailboxDelete('Nope'));
});

test('APPEND with APPENDUID, then FETCH, STORE, SEARCH, COPY, MOVE and UID EXPUNGE', async () => {
  const inbox = (await env.srv.store.mailboxes.get(env.user.id, 'INBOX'))!;
  const r1 = await client.append('INBOX', MSG(1), ['\\Seen'], new Date('2025-01-02T03:04:05Z'));
  assert.deepEqual(r1, { destination: 'INBOX', uidValidity: BigInt(inbox.uidValidity), uid: 1 });
  await client.append('INBOX', MSG(2));
  await client.append('INBOX', MSG(3, ' with more text'), ['\\Flagged', 'Custom']);

  const lock = await client.getMailboxLock('INBOX');
  try {
    assert.equal(client.mailbox && client.mailbox.exists, 3);
    const all = [];
    for await (const m of client.fetch('1:*', { uid: true, flags: true, size: true, internalDate: true })) {
      all.push({ seq: m.seq, uid: m.uid, flags: [...(m.flags ?? [])].sort(), size: m.size });
    }
    assert.deepEqual(all, [
      { seq: 1, uid: 1, flags: ['\\Recent', '\\Seen'], size: MSG(1).length },
      { seq: 2, uid: 2, flags: ['\\Recent'], size: MSG(2).length },
      { seq: 3, uid: 3, flags: ['Custom', '\\Flagged', '\\Recent'], size: MSG(3, ' with more text').length },
    ]);
    const one = await client.fetchOne('2', { source: true });
    assert.ok(one);
    assert.equal(one.source?.toString(), MSG(2));
    const internal = await client.fetchOne('1', { internalDate: true }, { uid: true });
    assert.ok(internal);
    assert.equal((internal.internalDate as Date).toISOString(), '2025-01-02T03:04:05.000Z');
    // BODY[] without PEEK marks \Seen
    const dl = await client.download('2', undefined, { uid: true });
    const chunks: Buffer[] = [];
    for await (const ch of dl.content!) chunks.push(ch as Buffer);
    assert.equal(Buffer.concat(chunks).toString(), MSG(2));

    assert.equal(await client.messageFlagsAdd('1:2', ['\\Answered']), true);
    assert.equal(await client.messageFlagsRemove({ uid: '1' }, ['\\Seen'], { uid: true }), true);
    assert.equal(await client.messageFlagsSet('3', ['\\Draft']), true);
    const flags = [];
    for await (const m of client.fetch('1:*', { flags: true })) flags.push([...(m.flags ?? [])].sort());
    assert.deepEqual(flags, [
      ['\\Answered', '\\Recent'],
      ['\\Answered', '\\Recent'],
      ['\\Draft', '\\Recent'],
    ]);

    assert.deepEqual(await client.search({ seen: false }), [1, 2, 3]);
    assert.deepEqual(
      await client.search({ or: [{ answered: true }, { draft: true }] }, { uid: true }),
      [1, 2, 3],
    );
    assert.deepEqual(await client.search({ subject: 'flow 3' }), [3]);
    assert.deepEqual(await client.search({ body: 'more text' }), [3]);
    assert.deepEqual(await client.search({ header: { 'message-id': '<flow2@' } }), [2]);
    assert.deepEqual(await client.search({ from: 's1@example.test' }), [1]);
    assert.deepEqual(await client.search({ larger: 10_000 }), []);
    assert.deepEqual(await client.search({ since: new Date('2000-01-01') }), [1, 2, 3]);
    assert.deepEqual(await client.search({ uid: '2:3', not: { draft: true } }), [2]);

    const archive = (await env.srv.store.mailboxes.get(env.user.id, 'Archive'))!;
    const copied = await client.messageCopy('1:2', 'Archive');
    assert.deepEqual(copied, {
      path: 'INBOX',
      destination: 'Archive',
      uidValidity: BigInt(archive.uidValidity),
      uidMap: new Map([
        [1, 1],
        [2, 2],
      ]),
    });
    const moved = await client.messageMove('3', 'Archive');
    assert.deepEqual(moved, {
      path: 'INBOX',
      destination: 'Archive',
      uidValidity: BigInt(archive.uidValidity),
      uidMap: new Map([[3, 3]]),
    });
    assert.equal(client.mailbox && client.mailbox.exists, 2);
    assert.equal(await client.messageDelete('1', { uid: true }), true);
    assert.equal(client.mailbox && client.mailbox.exists, 1);
    // imapflow turns the NO [TRYCREATE] into false
    assert.equal(await client.messageCopy('1', 'Missing'), false);
  } finally {
    lock.release();
  }
  const archive = await client.status('Archive', { messages: true, unseen: true });
  assert.ok(archive);
  assert.deepEqual({ messages: archive.messages, unseen: archive.unseen }, { messages: 3, unseen: 3 });
});

test('EXAMINE (read-only open) does not set \\Seen', async () => {
  const mb = await client.mailboxOpen('Archive', { readOnly: true });
  assert.equal(mb.readOnly, true);
  const dl = await client.download('1', undefined, { uid: true });
  for await (const _ of dl.content!) void _;
  const m = await client.fetchOne('1', { flags: true }, { uid: true });
  assert.ok(m);
  assert.equal(m.flags?.has('\\Seen'), false);
  await client.mailboxClose();
});

test('IDLE: another client’s APPEND arrives as an exists event', async () => {
  const before = (await client.mailboxOpen('INBOX')).exists;
  const other = newClient();
  await other.connect();
  try {
    const seen = new Promise<{ count: number; prevCount: number }>((resolve) =>
      client.once('exists', resolve),
    );
    const idling = client.idle();
    await new Promise((r) => setTimeout(r, 100));
    await other.append('INBOX', MSG(7));
    const ev = await seen;
    assert.deepEqual({ count: ev.count, prevCount: ev.prevCount }, { count: before + 1, prevCount: before });
    const flagsSeen = new Promise<{ uid?: number; flags: Set<string> }>((resolve) =>
      client.once('flags', resolve),
    );
    const opened = await other.mailboxOpen('INBOX');
    const newUid = opened.uidNext - 1;
    await other.messageFlagsAdd({ uid: String(newUid) }, ['\\Flagged'], { uid: true });
    const fe = await flagsSeen;
    assert.equal(fe.uid, newUid);
    // the idling session learned of the message first, so it is \\Recent there
    assert.deepEqual([...fe.flags].sort(), ['\\Flagged', '\\Recent']);
    const expunged = new Promise<{ seq: number }>((resolve) => client.once('expunge', resolve));
    await other.messageDelete({ uid: String(newUid) }, { uid: true });
    assert.equal((await expunged).seq, before + 1);
    await client.noop();
    void idling;
  } finally {
    await other.logout();
  }
});

test('ENVELOPE, BODYSTRUCTURE and HEADER.FIELDS through imapflow', async () => {
  await client.append('Drafts', MSG(8));
  const lock = await client.getMailboxLock('Drafts');
  try {
    const m = await client.fetchOne('*', { envelope: true, bodyStructure: true, headers: ['subject'] });
    assert.ok(m);
    assert.equal(m.envelope?.subject, 'flow 8');
    assert.deepEqual(m.envelope?.from, [{ name: 'Sender 8', address: 's8@example.test' }]);
    assert.equal(m.envelope?.messageId, '<flow8@example.test>');
    assert.equal(m.bodyStructure?.type, 'text/plain');
    assert.equal(m.headers?.toString(), 'Subject: flow 8\r\n\r\n');
  } finally {
    lock.release();
  }
});

test('QRESYNC: imapflow catches up on a mailbox another session changed while it was away', async () => {
  const store = env.srv.store;
  const box = await store.mailboxes.create(env.user.id, 'Resync');
  for (let i = 1; i <= 4; i++) {
    await store.messages.add({ user: env.user.id, mailbox: box.id, raw: Buffer.from(MSG(20 + i)) });
  }
  const connectQresync = async () => {
    const c = new ImapFlow({
      host: '127.0.0.1',
      port: env.port,
      secure: false,
      auth: { user: env.user.username, pass: env.user.password },
      logger: false,
      tls: { rejectUnauthorized: false },
      qresync: true,
    });
    await c.connect();
    return c;
  };
  const first = await connectQresync();
  assert.ok(first.enabled.has('QRESYNC') && first.enabled.has('CONDSTORE'));
  const opened = await first.mailboxOpen('Resync');
  const { uidValidity, highestModseq } = opened;
  assert.equal(typeof highestModseq, 'bigint');
  await first.logout();

  // another client: a new flag on UID 1, UIDs 2 and 4 expunged
  const other = newClient();
  await other.connect();
  await other.mailboxOpen('Resync');
  await other.messageFlagsAdd('1', ['\\Flagged'], { uid: true });
  await other.messageDelete('2,4', { uid: true });

  const again = await connectQresync();
  const expunged: Array<{ uid?: number | undefined; vanished: boolean; earlier?: boolean | undefined }> = [];
  const flags: Array<{ uid?: number | undefined; flags: Set<string>; modseq?: bigint | undefined }> = [];
  again.on('expunge', (e) => expunged.push({ uid: e.uid, vanished: e.vanished, earlier: e.earlier }));
  again.on('flags', (e) => flags.push({ uid: e.uid, flags: e.flags, modseq: e.modseq }));
  const back = await again.mailboxOpen('Resync', { changedSince: highestModseq, uidValidity });
  assert.equal(back.exists, 2);
  assert.ok(back.highestModseq! > highestModseq!);
  assert.deepEqual(expunged, [
    { uid: 2, vanished: true, earlier: true },
    { uid: 4, vanished: true, earlier: true },
  ]);
  assert.equal(flags.length, 1);
  assert.equal(flags[0]!.uid, 1);
  assert.deepEqual([...flags[0]!.flags], ['\\Flagged']);
  // the flag change came before the two deletes, each of which took MODSEQs of its own
  assert.ok(flags[0]!.modseq! > highestModseq! && flags[0]!.modseq! < back.highestModseq!);

  // while it is open: another expunge arrives as VANISHED, and a CHANGEDSINCE fetch sees the flag
  expunged.length = 0;
  await other.messageDelete('3', { uid: true });
  await again.noop();
  assert.deepEqual(expunged, [{ uid: 3, vanished: true, earlier: false }]);
  const changed = [];
  for await (const m of again.fetch('1:*', { flags: true }, { uid: true, changedSince: highestModseq! })) {
    changed.push([m.uid, [...(m.flags ?? [])]]);
  }
  assert.deepEqual(changed, [[1, ['\\Flagged']]]);
  await other.logout();
  await again.logout();
});
