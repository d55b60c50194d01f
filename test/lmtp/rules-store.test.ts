// Filter and autoreply storage: validation, order, RELAY_REQUIRED without a relay.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { openTestDb, openTestRedis, uniqueName, type TestDb } from '../helpers/backends.ts';
import { Locks } from '../../server/store/locks.ts';
import { RedisKeys } from '../../server/notify/redis-keys.ts';
import { Filters, filterInputSchema } from '../../server/store/filters.ts';
import { StoreError } from '../../server/store/errors.ts';
import { Autoreplies, autoreplyInputSchema, isAutoreplyActive } from '../../server/store/autoreply.ts';
import { ensureIndexes } from '../../server/store/index.ts';

let tdb: TestDb;
let redis: Redis;
let locks: Locks;
const user = '65a0c0ffee0000000000abcd';
const other = '65a0c0ffee0000000000abce';

before(async () => {
  tdb = await openTestDb();
  await ensureIndexes(tdb.db);
  redis = openTestRedis();
  locks = new Locks(redis, new RedisKeys(uniqueName('nb')));
});
after(async () => {
  await locks?.close();
  redis?.disconnect();
  await tdb?.close();
});

const code = (c: string) => (err: unknown) => err instanceof StoreError && err.code === c;

test('filters: create/list in order/get/update/delete, scoped to the user', async () => {
  const f = new Filters(tdb.db, locks, { relayConfigured: true });
  const a = await f.create(user, { name: 'a', query: { subject: 'x' }, action: { seen: true } });
  const b = await f.create(user, { query: { size: -100 }, action: { targets: ['fw@remote.test'] } });
  assert.deepEqual(
    (await f.list(user)).map((x) => x.id),
    [a.id, b.id],
  );
  assert.equal(b.name, '');
  assert.equal(b.disabled, false);
  assert.equal(await f.get(other, a.id), null);
  assert.deepEqual((await f.update(user, a.id, { disabled: true }))?.disabled, true);
  assert.equal((await f.get(user, a.id))?.query.subject, 'x');
  assert.equal(await f.update(other, a.id, { disabled: false }), null);
  assert.equal(await f.delete(other, a.id), false);
  assert.equal(await f.delete(user, a.id), true);
  assert.deepEqual(
    (await f.list(user)).map((x) => x.id),
    [b.id],
  );
});

test('filters: invalid input is INVALID; forwarding without a relay is RELAY_REQUIRED', async () => {
  const f = new Filters(tdb.db, locks);
  await assert.rejects(f.create(user, { query: { nope: 1 } as never, action: {} }), code('INVALID'));
  await assert.rejects(f.create(user, { query: {}, action: { mailbox: 'INBOX' } }), code('INVALID'));
  await assert.rejects(
    f.create(user, { query: {}, action: { targets: ['not an address'] } }),
    code('INVALID'),
  );
  await assert.rejects(
    f.create(user, { query: {}, action: { targets: ['a@b.test'] } }),
    code('RELAY_REQUIRED'),
  );
  const ok = await f.create(user, { query: { from: 'x' }, action: { spam: true } });
  await assert.rejects(f.update(user, ok.id, { action: { targets: ['a@b.test'] } }), code('RELAY_REQUIRED'));
  assert.equal(filterInputSchema.safeParse({ query: {}, action: { delete: true } }).success, true);
});

test('autoreply: off by default, set/get/delete, RELAY_REQUIRED to switch on without a relay, window', async () => {
  const none = new Autoreplies(tdb.db);
  assert.equal((await none.get(user)).status, false);
  await assert.rejects(none.set(user, { status: true, text: 'away' }), code('RELAY_REQUIRED'));
  assert.equal((await none.set(user, { status: false, text: 'draft' })).text, 'draft');
  const r = new Autoreplies(tdb.db, { relayConfigured: true });
  const start = new Date(Date.now() - 1000);
  const end = new Date(Date.now() + 3600_000);
  await r.set(user, { status: true, subject: 'Away', text: 'Back soon', start, end });
  const got = await r.get(user);
  assert.equal(got.subject, 'Away');
  assert.equal(isAutoreplyActive(got), true);
  assert.equal(isAutoreplyActive(got, new Date(end.getTime() + 1)), false);
  assert.equal(isAutoreplyActive(got, new Date(start.getTime() - 1)), false);
  await assert.rejects(r.set(user, { status: true, start: end, end: start }), code('INVALID'));
  assert.equal(autoreplyInputSchema.safeParse({ status: true, start: '2026-01-01' }).success, true);
  assert.equal(await r.delete(user), true);
  assert.equal((await r.get(user)).status, false);
});
