// POP3 over real sockets with real clients: Python's poplib (plain, STLS, implicit TLS), curl, and
// a raw client for the protocol rules (deletion only at QUIT, the maildrop lock, AUTH forms).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { fillMaildrop, RawPop3, run, sampleMessages, unstuff } from './_util.ts';

const POPLIB = fileURLToPath(new URL('./fixtures/poplib_client.py', import.meta.url));
let srv: TestServer;

before(async () => {
  srv = await startTestServer({ services: ['pop3'] });
});
after(async () => {
  await srv?.stop();
});

interface PoplibResult {
  caps: Record<string, string[]>;
  stat: [number, number];
  list: string[];
  uidl: string[];
  messages: string[];
  top0: string | null;
  top2: string | null;
}

async function poplib(env: Record<string, string>): Promise<PoplibResult> {
  const { stdout } = await run('python3', [POPLIB], { env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  return JSON.parse(stdout) as PoplibResult;
}

/** What a line-oriented client gets back: the message, with a final CRLF when it had none. */
const asLines = (raw: Buffer) =>
  raw.subarray(-2).toString() === '\r\n' ? raw : Buffer.concat([raw, Buffer.from('\r\n')]);

for (const mode of ['plain', 'stls', 'implicit'] as const) {
  test(`poplib (${mode}) downloads the whole maildrop byte for byte with LIST/UIDL/TOP`, async () => {
    const msgs = sampleMessages();
    const user = await fillMaildrop(srv.store, `poplib${mode}`, msgs);
    const inbox = await srv.store.mailboxes.get(user.id, 'INBOX');
    const r = await poplib({
      PORT: String(mode === 'implicit' ? srv.ports.pop3s : srv.ports.pop3),
      MODE: mode,
      USER: user.username,
      PASS: 'pop-pass-1',
      AUTH: mode === 'stls' ? 'plain' : 'user',
    });
    for (const cap of [
      'TOP',
      'UIDL',
      'RESP-CODES',
      'AUTH-RESP-CODE',
      'PIPELINING',
      'USER',
      'SASL',
      'IMPLEMENTATION',
    ]) {
      assert.ok(cap in r.caps, `${cap} in ${Object.keys(r.caps).join(' ')}`);
    }
    assert.equal('STLS' in r.caps, mode === 'plain', 'STLS offered only before TLS');
    assert.deepEqual(r.caps.SASL, ['PLAIN']);
    const total = msgs.reduce((a, m) => a + m.length, 0);
    assert.deepEqual(r.stat, [msgs.length, total]);
    assert.deepEqual(
      r.list,
      msgs.map((m, i) => `${i + 1} ${m.length}`),
    );
    assert.deepEqual(
      r.uidl,
      msgs.map((_, i) => `${i + 1} ${inbox!.uidValidity}.${i + 1}`),
    );
    r.messages.forEach((b64, i) =>
      assert.ok(Buffer.from(b64, 'base64').equals(asLines(msgs[i]!)), `message ${i + 1}`),
    );
    assert.equal(
      Buffer.from(r.top0!, 'base64').toString(),
      'From: a@remote.test\r\nTo: u@example.test\r\nSubject: message 6\r\n\r\n',
    );
    assert.equal(
      Buffer.from(r.top2!, 'base64').toString(),
      'From: a@remote.test\r\nTo: u@example.test\r\nSubject: message 6\r\n\r\nfirst\r\nsecond\r\n',
    );
  });
}

test('curl fetches single messages byte for byte over POP3', async () => {
  const msgs = sampleMessages();
  const user = await fillMaildrop(srv.store, 'curluser', msgs);
  for (const n of [1, 2, 3, 5]) {
    const { stdout } = await run(
      'curl',
      [
        '-s',
        '--max-time',
        '20',
        `pop3://127.0.0.1:${srv.ports.pop3}/${n}`,
        '-u',
        `${user.username}:pop-pass-1`,
      ],
      { encoding: 'buffer', maxBuffer: 64 << 20 },
    );
    assert.ok(stdout.equals(msgs[n - 1]!), `message ${n}: ${stdout.length} vs ${msgs[n - 1]!.length} bytes`);
  }
  const { stdout: list } = await run('curl', [
    '-s',
    `pop3://127.0.0.1:${srv.ports.pop3}/`,
    '-u',
    `${user.username}:pop-pass-1`,
  ]);
  assert.equal(list, msgs.map((m, i) => `${i + 1} ${m.length}\r\n`).join(''));
});

test('DELE takes effect only at QUIT; a dropped connection deletes nothing; RSET undoes', async () => {
  const msgs = sampleMessages().slice(0, 4);
  const user = await fillMaildrop(srv.store, 'deleter', msgs);
  const inbox = (await srv.store.mailboxes.get(user.id, 'INBOX'))!;
  const login = async () => {
    const { client } = await RawPop3.open(srv.ports.pop3!);
    assert.match(await client.cmd(`USER ${user.username}`), /^\+OK/);
    assert.match(await client.cmd('PASS pop-pass-1'), /^\+OK maildrop has 4 messages/);
    return client;
  };
  let c = await login();
  assert.match(await c.cmd('DELE 1'), /^\+OK/);
  assert.match(await c.cmd('DELE 1'), /^-ERR message 1 already deleted/);
  assert.match(await c.cmd('RETR 1'), /^-ERR no such message/);
  assert.match(
    await c.cmd('STAT'),
    new RegExp(`^\\+OK 3 ${msgs.slice(1).reduce((a, m) => a + m.length, 0)}$`),
  );
  c.close(); // dropped: nothing deleted
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(await srv.store.messages.listUids(inbox.user, inbox.id), [1, 2, 3, 4]);

  c = await login();
  assert.match(await c.cmd('DELE 2'), /^\+OK/);
  assert.match(await c.cmd('RSET'), /^\+OK maildrop has 4 messages/);
  assert.match(await c.cmd('DELE 3'), /^\+OK/);
  assert.match(await c.cmd('DELE 4'), /^\+OK/);
  assert.deepEqual(
    await srv.store.messages.listUids(inbox.user, inbox.id),
    [1, 2, 3, 4],
    'nothing deleted before QUIT',
  );
  assert.match(await c.cmd('QUIT'), /^\+OK/);
  assert.deepEqual(await srv.store.messages.listUids(inbox.user, inbox.id), [1, 2]);
});

test('a second session on the same maildrop gets -ERR [IN-USE]; the lock is released at QUIT', async () => {
  const user = await fillMaildrop(srv.store, 'locked', sampleMessages().slice(0, 1));
  const { client: a } = await RawPop3.open(srv.ports.pop3!);
  await a.cmd(`USER ${user.username}`);
  assert.match(await a.cmd('PASS pop-pass-1'), /^\+OK/);
  const { client: b } = await RawPop3.open(srv.ports.pop3!);
  await b.cmd(`USER ${user.username}`);
  assert.match(await b.cmd('PASS pop-pass-1'), /^-ERR \[IN-USE\] /);
  assert.match(await a.cmd('QUIT'), /^\+OK/);
  await b.cmd(`USER ${user.username}`);
  assert.match(await b.cmd('PASS pop-pass-1'), /^\+OK/);
  // a dropped session releases the lock too
  b.close();
  await new Promise((r) => setTimeout(r, 200));
  const { client: c } = await RawPop3.open(srv.ports.pop3!);
  await c.cmd(`USER ${user.username}`);
  assert.match(await c.cmd('PASS pop-pass-1'), /^\+OK/);
  c.close();
});

test('AUTH PLAIN with initial response and with the "+ " continuation; bad credentials get [AUTH]', async () => {
  const user = await fillMaildrop(srv.store, 'sasl', sampleMessages().slice(0, 2));
  const token = (p: string) => Buffer.from(`\0${user.username}\0${p}`).toString('base64');
  let { client } = await RawPop3.open(srv.ports.pop3!);
  assert.match(await client.cmd(`AUTH PLAIN ${token('wrong')}`), /^-ERR \[AUTH\] /);
  assert.match(await client.cmd(`AUTH PLAIN ${token('pop-pass-1')}`), /^\+OK/);
  assert.match(await client.cmd('QUIT'), /^\+OK/);
  ({ client } = await RawPop3.open(srv.ports.pop3!));
  assert.equal(await client.cmd('AUTH PLAIN'), '+ ');
  assert.match(await client.cmd(token('pop-pass-1')), /^\+OK maildrop has 2 messages/);
  // pipelined commands are answered in order (RFC 2449 PIPELINING)
  client.send('STAT\r\nLIST 2\r\nUIDL 1\r\nTOP 1 0');
  assert.match(await client.line(), /^\+OK 2 \d+$/);
  assert.match(await client.line(), /^\+OK 2 \d+$/);
  assert.match(await client.line(), /^\+OK 1 \d+\.1$/);
  assert.match(await client.line(), /^\+OK/);
  assert.match((await client.multi()).toString(), /Subject: message 1\r\n\r\n$/);
  assert.match(await client.cmd('QUIT'), /^\+OK/);
  ({ client } = await RawPop3.open(srv.ports.pop3!));
  assert.equal(await client.cmd('AUTH PLAIN'), '+ ');
  assert.match(await client.cmd('*'), /^-ERR/);
  assert.match(await client.cmd('USER nobody-here'), /^\+OK/);
  assert.match(await client.cmd('PASS x'), /^-ERR \[AUTH\] /);
  client.close();
});

test('RETR streams a dot-stuffed body that unstuffs to the stored bytes', async () => {
  const msgs = sampleMessages();
  const user = await fillMaildrop(srv.store, 'stuffing', msgs);
  const { client } = await RawPop3.open(srv.ports.pop3!);
  await client.cmd(`USER ${user.username}`);
  await client.cmd('PASS pop-pass-1');
  assert.match(await client.cmd('RETR 2'), new RegExp(`^\\+OK ${msgs[1]!.length} octets`));
  const body = await client.multi();
  assert.match(body.toString(), /\r\n\.\.starts with a dot\r\n\.\.\.two dots\r\n\.\.\r\nend\r\n$/);
  assert.ok(unstuff(body).equals(msgs[1]!));
  client.close();
});

test('over-long lines and unknown commands get -ERR without killing the server', async () => {
  const { client } = await RawPop3.open(srv.ports.pop3!);
  assert.match(await client.cmd('FOO'), /^-ERR/);
  assert.match(await client.cmd('STAT'), /^-ERR/, 'STAT is not allowed before login');
  client.send('X'.repeat(20000));
  assert.match(await client.line(), /^-ERR line too long/);
  const again = await RawPop3.open(srv.ports.pop3!);
  assert.match(again.greeting, /^\+OK/);
  again.client.close();
  client.close();
});

test('a throttled login gets -ERR [SYS/TEMP] (retry later), not [AUTH], even with the right password', async () => {
  const user = await fillMaildrop(srv.store, 'throttled', sampleMessages().slice(0, 1));
  const redis = srv.server.ctx.backends.redis;
  // the account's failure counter at its limit, as ten failed logins would leave it
  const key = `${srv.store.keys.authFail}:acct:${user.id}`;
  await redis.set(key, '10', 'EX', 600);
  try {
    const { client } = await RawPop3.open(srv.ports.pop3!);
    await client.cmd(`USER ${user.username}`);
    assert.match(
      await client.cmd('PASS pop-pass-1'),
      /^-ERR \[SYS\/TEMP\] too many failed logins, try again in \d+ seconds/,
    );
    const token = Buffer.from(`\0${user.username}\0pop-pass-1`).toString('base64');
    assert.match(await client.cmd(`AUTH PLAIN ${token}`), /^-ERR \[SYS\/TEMP\] /);
    client.close();
  } finally {
    await redis.del(key);
  }
  const { client } = await RawPop3.open(srv.ports.pop3!);
  await client.cmd(`USER ${user.username}`);
  assert.match(await client.cmd('PASS pop-pass-1'), /^\+OK/);
  client.close();
});
