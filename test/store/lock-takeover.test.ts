// A process killed while holding locks does not stall the next one for the locks' TTL: its owner
// heartbeat lapses and a waiter takes the locks over (docs/ARCHITECTURE.md §3).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openStore, type TestStore } from './_store.ts';
import { mail } from './_mail.ts';
import { Locks, lockName } from '../../server/store/locks.ts';
import { RedisKeys } from '../../server/notify/redis-keys.ts';

const fixture = fileURLToPath(new URL('./fixtures/hold-lock.ts', import.meta.url));

let t: TestStore;
before(async () => {
  t = await openStore({ lockTtlMs: 15_000 });
});
after(async () => {
  await t.close();
});

test('locks of a killed process are taken over well within their 15 s TTL', async () => {
  const u = await t.store.users.create({ username: 'takeover', password: 'pw' });
  const inbox = (await t.store.mailboxes.get(u.id, 'INBOX'))!;
  const child = fork(fixture, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, HOLD_PREFIX: t.store.notify.prefix, HOLD_MAILBOX: inbox.id },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise((r) => child.on('exit', r));
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (c) => reject(new Error(`child exited early: ${c}`)));
  });

  // while the holder lives, a delivery to that mailbox waits
  const add = t.store.messages.add({ user: u.id, mailbox: inbox.id, raw: mail({ subject: 'after' }) });
  const early = await Promise.race([
    add.then(() => 'added'),
    new Promise((r) => setTimeout(r, 2500, 'waiting')),
  ]);
  assert.equal(early, 'waiting', 'the live holder keeps its lock');

  const killedAt = Date.now();
  child.kill('SIGKILL');
  await exited;
  const res = await add;
  const waited = Date.now() - killedAt;
  assert.equal(res.uid, 1);
  assert.ok(waited < 3000, `took the lock over ${waited} ms after the kill`);
});

test('a lock whose owner still beats is not taken over', async () => {
  const a = new Locks(t.redis, new RedisKeys(`${t.store.notify.prefix}x`), 300);
  const b = new Locks(t.redis, new RedisKeys(`${t.store.notify.prefix}x`), 300);
  let inside = 0;
  let most = 0;
  const work = async () => {
    most = Math.max(most, ++inside);
    await new Promise((r) => setTimeout(r, 700)); // longer than the TTL: renewal keeps it
    inside--;
  };
  await Promise.all([a.with('k', work), b.with('k', work), a.with('k', work)]);
  assert.equal(most, 1);
  assert.equal(a.takeovers + b.takeovers, 0);
  await a.close();
  await b.close();
});

test('a process never takes over its own lock, even when its heartbeat is late', async () => {
  const prefix = `${t.store.notify.prefix}y`;
  const a = new Locks(t.redis, new RedisKeys(prefix), 5_000);
  let inside = 0;
  let most = 0;
  const work = async () => {
    most = Math.max(most, ++inside);
    await new Promise((r) => setTimeout(r, 300));
    inside--;
  };
  const first = a.with('k', async () => {
    // as if the event loop had stalled past the owner lease
    await t.redis.del(`${prefix}:owner:${a.owner}`);
    await work();
  });
  await new Promise((r) => setTimeout(r, 20));
  await Promise.all([first, a.with('k', work)]);
  assert.equal(most, 1);
  assert.equal(a.takeovers, 0);
  await a.close();
});

test('a held lock (the POP3 maildrop lock) is refused while its owner lives and taken over once it died', async () => {
  const user = 'ab'.repeat(12);
  const child = fork(fixture, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, HOLD_PREFIX: t.store.notify.prefix, HOLD_MAILDROP: user },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise((r) => child.on('exit', r));
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (c) => reject(new Error(`child exited early: ${c}`)));
  });
  assert.equal(await t.store.locks.hold(lockName.maildrop(user)), null, 'the live holder keeps it');
  const before = t.store.locks.takeovers;
  child.kill('SIGKILL');
  await exited;
  let held = null;
  const killedAt = Date.now();
  while (!held && Date.now() - killedAt < 5000) {
    held = await t.store.locks.hold(lockName.maildrop(user));
    if (!held) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(held, 'taken over after the holder died');
  assert.ok(Date.now() - killedAt < 3000, 'well within the 15 s TTL');
  assert.equal(t.store.locks.takeovers, before + 1);
  // while held here, nobody else gets it; once released, it is free
  const other = new Locks(t.redis, new RedisKeys(t.store.notify.prefix));
  assert.equal(await other.hold(lockName.maildrop(user)), null);
  await held.release();
  const again = await other.hold(lockName.maildrop(user));
  assert.ok(again);
  await again.release();
  await other.close();
});

test('a holder whose lock was taken from under it says so in the log', async () => {
  const keys = new RedisKeys(`${t.store.notify.prefix}z`);
  const a = new Locks(t.redis, keys, 300);
  const logs: Array<{ msg: string; fields: Record<string, unknown> }> = [];
  a.log = (msg, fields) => logs.push({ msg, fields });
  const held = await a.hold('stolen');
  assert.ok(held);
  // as a waiter would after this process's heartbeat had lapsed
  await t.redis.set(keys.lock('stolen'), 'someone-else:x', 'PX', 5000);
  const end = Date.now() + 2000;
  while (!logs.length && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 300)); // a further renewal does not log again
  assert.equal(logs.length, 1);
  assert.match(logs[0]!.msg, /^lock lost while held/);
  assert.equal(logs[0]!.fields.lock, 'stolen');
  await held.release();
  assert.equal(
    await t.redis.get(keys.lock('stolen')),
    'someone-else:x',
    'release leaves the new owner alone',
  );
  await a.close();
});
