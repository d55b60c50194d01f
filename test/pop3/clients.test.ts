// Whole-mailbox download with mpop, and what holds across POP3 service instances sharing one store
// and Redis (as separate processes do; the instances share no memory): UIDL values, the Redis
// maildrop lock, logout requests, and an instance with `pop3Delete = trash`, `plaintextAuth = never`.
// The second instance is started in this process: a second server process on the same database
// would run the store's ensureIndexes again, which currently crashes FerretDB 1.24 (see report).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { requestLogout } from '../../server/auth/logout.ts';
import { start as startPop3 } from '../../server/pop3/service.ts';
import type { RunningService } from '../../server/service.ts';
import { fillMaildrop, RawPop3, run, sampleMessages } from './_util.ts';

const POPLIB = fileURLToPath(new URL('./fixtures/poplib_client.py', import.meta.url));
let srv: TestServer;
let other: RunningService;
let otherPorts: Record<string, number>;
let scratch: string;

before(async () => {
  srv = await startTestServer({ services: ['pop3'] });
  const ctx = srv.server.ctx;
  other = await startPop3({
    ...ctx,
    config: {
      ...ctx.config,
      ports: { ...ctx.config.ports, pop3: 0, pop3s: 0 },
      pop3Delete: 'trash',
      plaintextAuth: 'never',
    },
  });
  otherPorts = Object.fromEntries(other.listeners.map((l) => [l.name, l.port]));
  scratch = mkdtempSync(join(tmpdir(), 'nestbox-mpop-'));
});
after(async () => {
  await other?.close();
  await srv?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

function mpop(port: number, user: string, dir: string, extra: string[]) {
  return run('mpop', [
    '--host=127.0.0.1',
    `--port=${port}`,
    '--tls=off',
    '--auth=user',
    `--user=${user}`,
    '--passwordeval=echo pop-pass-1',
    '--received-header=off',
    `--delivery=maildir,${dir}`,
    `--uidls-file=${dir}.uidls`,
    ...extra,
  ]);
}

test('mpop downloads the whole maildrop; a second run finds nothing new (stable UIDLs); --keep=off empties it', async () => {
  const msgs = sampleMessages();
  const user = await fillMaildrop(srv.store, 'mpopuser', msgs);
  const dir = join(scratch, 'md');
  for (const s of ['cur', 'new', 'tmp']) mkdirSync(join(dir, s), { recursive: true });
  await mpop(srv.ports.pop3!, user.username, dir, ['--keep=on', '--only-new=on']);
  const files = readdirSync(join(dir, 'new')).sort();
  assert.equal(files.length, msgs.length);
  // mpop stores mail with LF line ends (its documented maildir/mbox behaviour) and ends each with one
  const expected = msgs.map((m) => {
    const lf = m.toString('latin1').replace(/\r\n/g, '\n');
    return lf.endsWith('\n') ? lf : lf + '\n';
  });
  const got = files.map((f) => readFileSync(join(dir, 'new', f)).toString('latin1'));
  assert.deepEqual(got.sort(), [...expected].sort());

  const again = await mpop(srv.ports.pop3!, user.username, dir, ['--keep=on', '--only-new=on']);
  assert.match(again.stdout + again.stderr, /new: no messages, total: 6 messages/);
  assert.equal(readdirSync(join(dir, 'new')).length, msgs.length);

  await mpop(srv.ports.pop3!, user.username, dir, ['--keep=off', '--only-new=off']);
  const inbox = await srv.store.mailboxes.get(user.id, 'INBOX');
  assert.deepEqual(await srv.store.messages.listUids(inbox!.user, inbox!.id), []);
});

test('another instance sees the same UIDLs, and its login waits on the lock held by the first ([IN-USE])', async () => {
  const user = await fillMaildrop(srv.store, 'twohosts', sampleMessages().slice(0, 3));
  const { client: a } = await RawPop3.open(srv.ports.pop3!);
  await a.cmd(`USER ${user.username}`);
  assert.match(await a.cmd('PASS pop-pass-1'), /^\+OK/);
  assert.match(await a.cmd('UIDL'), /^\+OK/);
  const uidlA = (await a.multi()).toString();
  // the other instance allows no plaintext login before TLS; AUTH PLAIN over pop3s instead
  const tls = await import('node:tls');
  const sock = tls.connect({ port: otherPorts.pop3s!, host: '127.0.0.1', rejectUnauthorized: false });
  const lines: string[] = [];
  let buf = '';
  sock.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\r\n')) >= 0) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 2);
    }
  });
  const next = async () => {
    const until = Date.now() + 5000;
    while (!lines.length) {
      if (Date.now() > until) throw new Error('no reply');
      await new Promise((r) => setTimeout(r, 10));
    }
    return lines.shift()!;
  };
  assert.match(await next(), /^\+OK/);
  const token = Buffer.from(`\0${user.username}\0pop-pass-1`).toString('base64');
  sock.write(`AUTH PLAIN ${token}\r\n`);
  assert.match(await next(), /^-ERR \[IN-USE\] /);
  assert.match(await a.cmd('QUIT'), /^\+OK/);
  sock.write(`AUTH PLAIN ${token}\r\n`);
  assert.match(await next(), /^\+OK/);
  sock.write('UIDL\r\n');
  assert.match(await next(), /^\+OK/);
  const uidlB: string[] = [];
  for (let l = await next(); l !== '.'; l = await next()) uidlB.push(l);
  assert.equal(uidlB.map((l) => l + '\r\n').join(''), uidlA);
  sock.destroy();
});

test('plaintextAuth = never: no USER/SASL before STLS, login after STLS; pop3Delete = trash moves to Trash', async () => {
  const msgs = sampleMessages().slice(0, 4);
  const user = await fillMaildrop(srv.store, 'trashy', msgs);
  const { client } = await RawPop3.open(otherPorts.pop3!);
  assert.match(await client.cmd('CAPA'), /^\+OK/);
  const caps = (await client.multi()).toString().split('\r\n').filter(Boolean);
  assert.ok(caps.includes('STLS'));
  assert.ok(!caps.includes('USER') && !caps.some((c) => c.startsWith('SASL')), caps.join(','));
  assert.match(await client.cmd(`USER ${user.username}`), /^-ERR \[AUTH\] plaintext/);
  client.close();
  const { stdout } = await run('python3', [POPLIB], {
    env: {
      ...process.env,
      PORT: String(otherPorts.pop3),
      MODE: 'stls',
      AUTH: 'plain',
      USER: user.username,
      PASS: 'pop-pass-1',
      DELE: '1,3',
    },
  });
  assert.equal((JSON.parse(stdout) as { stat: number[] }).stat[0], 4);
  const inbox = (await srv.store.mailboxes.get(user.id, 'INBOX'))!;
  const trash = (await srv.store.mailboxes.getBySpecialUse(user.id, '\\Trash'))!;
  assert.deepEqual(await srv.store.messages.listUids(inbox.user, inbox.id), [2, 4]);
  assert.equal((await srv.store.messages.listUids(trash.user, trash.id)).length, 2);
});

test('a logout request ends the user’s POP3 session on every instance without deleting', async () => {
  const user = await fillMaildrop(srv.store, 'kicked', sampleMessages().slice(0, 2));
  const { client } = await RawPop3.open(srv.ports.pop3!);
  await client.cmd(`USER ${user.username}`);
  assert.match(await client.cmd('PASS pop-pass-1'), /^\+OK/);
  assert.match(await client.cmd('DELE 1'), /^\+OK/);
  await requestLogout(srv.server.ctx.backends.redis, srv.store.keys, { user: user.id, reason: 'test' });
  const until = Date.now() + 5000;
  while (!client.closed && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  assert.ok(client.closed, 'connection closed');
  const inbox = (await srv.store.mailboxes.get(user.id, 'INBOX'))!;
  assert.deepEqual(await srv.store.messages.listUids(inbox.user, inbox.id), [1, 2]);
  // and the lock is free again
  const { client: again } = await RawPop3.open(srv.ports.pop3!);
  await again.cmd(`USER ${user.username}`);
  assert.match(await again.cmd('PASS pop-pass-1'), /^\+OK/);
  again.close();
});
