// Every Redis key and channel is under the configured prefix (server/notify/redis-keys.ts): two
// installations sharing one Redis with different prefixes neither hear each other's beacons nor
// touch each other's keys and locks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { uniqueName } from '../helpers/backends.ts';
import { RawImap } from '../imap/_client.ts';
import { RawPop3 } from '../pop3/_util.ts';
import { mail } from '../store/_mail.ts';
import { lockName, type Beacon } from '../../server/store/index.ts';

let a: TestServer;
let b: TestServer;
const pa = uniqueName('pa');
const pb = uniqueName('pb');

before(async () => {
  a = await startTestServer({ services: ['imap', 'pop3'], env: { NESTBOX_REDIS_PREFIX: pa } });
  b = await startTestServer({ services: ['imap'], env: { NESTBOX_REDIS_PREFIX: pb } });
});
after(async () => {
  await b.stop();
  await a.stop();
});

async function allKeys(): Promise<string[]> {
  const redis = a.server.ctx.backends.redis;
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
    out.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return out;
}

test('the prefix setting names every key and channel; another prefix on the same Redis sees none of them', async () => {
  assert.equal(a.store.keys.prefix, pa);
  assert.equal(b.store.keys.prefix, pb);
  const u = await a.store.users.create({ username: 'prefixed', password: 'prefix-pass-1' });
  const inbox = (await a.store.mailboxes.get(u.id, 'INBOX'))!;
  const heardA: Beacon[] = [];
  const heardB: Beacon[] = [];
  const unA = await a.store.notify.subscribeAll((x) => heardA.push(x));
  const unB = await b.store.notify.subscribeAll((x) => heardB.push(x));
  try {
    await a.store.messages.add({ user: u.id, mailbox: inbox.id, raw: mail({ subject: 'one' }) });
    await a.store.deliveries.count('lmtp');
    await a.store.sweep();
    // IMAP: a failed login (rate-limit counters), then SELECT (the \Recent mark)
    const imap = await RawImap.open(a.ports.imap!, { localAddress: '127.0.61.7' });
    await imap.response();
    assert.match((await imap.command('a1', 'LOGIN prefixed wrong-password')).at(-1)!, /^a1 NO /);
    assert.match((await imap.command('a2', 'LOGIN prefixed prefix-pass-1')).at(-1)!, /^a2 OK /);
    assert.match((await imap.command('a3', 'SELECT INBOX')).at(-1)!, /^a3 OK /);
    imap.close();
    // POP3 holds the maildrop lock while the session lives
    const { client: pop } = await RawPop3.open(a.ports.pop3!, { localAddress: '127.0.61.8' });
    await pop.cmd('USER prefixed');
    assert.match(await pop.cmd('PASS prefix-pass-1'), /^\+OK/);

    const keys = await allKeys();
    const ours = keys.filter((k) => k.includes(u.id) || k.includes(inbox.id) || k.includes('127.0.61.'));
    for (const want of [
      `${pa}:lock:pop3:${u.id}`,
      `${pa}:imap:recent:${inbox.id}`,
      `${pa}:authfail:ip:127.0.61.7`,
    ]) {
      assert.ok(ours.includes(want), `${want} among ${ours.join(', ')}`);
    }
    assert.deepEqual(
      ours.filter((k) => !k.startsWith(`${pa}:`)),
      [],
      'every key naming the user, mailbox or client is under the prefix',
    );
    assert.ok(keys.includes(`${pa}:sweep:state`));
    assert.ok(keys.some((k) => k.startsWith(`${pa}:stats:deliveries:`)));
    assert.ok(!keys.some((k) => k.startsWith(`${pb}:`) && k.includes(u.id)));

    // the same lock name is a different lock under the other prefix
    assert.equal(await a.store.locks.hold(lockName.maildrop(u.id)), null, 'held by the POP3 session');
    const other = await b.store.locks.hold(lockName.maildrop(u.id));
    assert.ok(other, 'not held under the other prefix');
    await other.release();
    assert.match(await pop.cmd('QUIT'), /^\+OK/);

    assert.ok(
      heardA.some((x) => x.mailbox === inbox.id),
      'the installation hears its own beacons',
    );
    assert.deepEqual(heardB, [], 'the other installation hears none');
  } finally {
    await unA();
    await unB();
  }
});
