// Callers of one lock in one process queue in the process and hand the lock on, without a release
// and a take in Redis each; after a bounded run of hand-overs the lock is released, so another
// process waiting for it gets its turn (server/store/locks.ts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openStore, type TestStore } from './_store.ts';
import { Locks } from '../../server/store/locks.ts';
import { RedisKeys } from '../../server/notify/redis-keys.ts';

let t: TestStore;
before(async () => {
  t = await openStore();
});
after(async () => {
  await t.close();
});

/** Work for a lock's holder that records who held it, in order, and the most holders at once. */
function turns<T>(holdMs: number) {
  const done: T[] = [];
  let inside = 0;
  let most = 0;
  return {
    done,
    most: () => most,
    work: (who: T) => async () => {
      most = Math.max(most, ++inside);
      await new Promise((r) => setTimeout(r, holdMs));
      done.push(who);
      inside--;
    },
  };
}

/** Counts the Redis commands `redis` sends while `fn` runs. */
async function redisCommands(fn: () => Promise<void>): Promise<number> {
  const before = Number((await t.redis.info('stats')).match(/total_commands_processed:(\d+)/)![1]);
  await fn();
  const after = Number((await t.redis.info('stats')).match(/total_commands_processed:(\d+)/)![1]);
  return after - before - 1; // the first INFO itself
}

test('callers of a lock in one process take turns in order, one at a time, handing it on', async () => {
  const keys = new RedisKeys(`${t.store.notify.prefix}turns`);
  const a = new Locks(t.redis, keys);
  try {
    await a.with('warm', async () => undefined); // the owner heartbeat is registered
    const { done: order, most, work } = turns<number>(5);
    const n = 10;
    const commands = await redisCommands(async () => {
      await Promise.all(Array.from({ length: n }, (_, i) => a.with('k', work(i))));
    });
    assert.equal(most(), 1, 'never two holders at once');
    assert.deepEqual(
      order,
      Array.from({ length: n }, (_, i) => i),
      'in the order they asked',
    );
    // one take and one release in Redis for all ten (and a heartbeat or two), not ten of each
    assert.ok(commands < n, `${commands} Redis commands for ${n} turns`);
    assert.equal(await t.redis.exists(keys.lock('k')), 0, 'released after the last turn');
  } finally {
    await a.close();
  }
});

test('a run of hand-overs is bounded: another process waiting for the lock gets it', async () => {
  const keys = new RedisKeys(`${t.store.notify.prefix}fair`);
  const a = new Locks(t.redis, keys);
  const b = new Locks(t.redis, keys);
  try {
    const { done, most, work } = turns<string>(3);
    const n = 60;
    const mine = Array.from({ length: n }, () => a.with('k', work('a')));
    await new Promise((r) => setTimeout(r, 10)); // a holds it, its callers queued
    const theirs = b.with('k', work('b'));
    await Promise.all([...mine, theirs]);
    assert.equal(most(), 1, 'never two holders at once');
    const at = done.indexOf('b');
    assert.ok(
      at >= 0 && at < n,
      `the other process had its turn before a's last caller (at ${at} of ${n + 1})`,
    );
  } finally {
    await a.close();
    await b.close();
  }
});

test('a caller whose holder in the same process failed to take the lock takes it itself', async () => {
  const keys = new RedisKeys(`${t.store.notify.prefix}fail`);
  // waits at most 300 ms
  const a = new Locks(t.redis, keys, 15_000, 300);
  const b = new Locks(t.redis, keys, 15_000, 300);
  try {
    const held = await b.hold('k');
    assert.ok(held);
    const [first, second] = await Promise.allSettled([
      a.with('k', async () => 'first'),
      a.with('k', async () => 'second'),
    ]);
    // the first gives up; the second then tries Redis itself, and fails as well: b holds the lock
    for (const r of [first, second]) {
      assert.equal(r.status, 'rejected');
      assert.match(String((r as PromiseRejectedResult).reason), /timed out waiting for lock k/);
    }
    await held.release();
    assert.equal(await a.with('k', async () => 'third'), 'third', 'free again: taken at once');
  } finally {
    await a.close();
    await b.close();
  }
});

test('a lock is handed on as it is, but taken again in Redis after a stall past the owner lease', async () => {
  const keys = new RedisKeys(`${t.store.notify.prefix}stall`);
  // owner lease 300 ms: a heartbeat older than half of it is late
  const a = new Locks(t.redis, keys, 15_000, 60_000, 300);
  try {
    const seen: Array<string | null> = [];
    const look = (stall: number) => async () => {
      seen.push(await t.redis.get(keys.lock('k')));
      const until = Date.now() + stall;
      while (Date.now() < until); // the event loop stalls: no heartbeat meanwhile
    };
    await Promise.all([a.with('k', look(0)), a.with('k', look(0))]);
    assert.ok(seen[0]);
    assert.equal(seen[1], seen[0], 'handed on: the same value in Redis');
    seen.length = 0;
    await Promise.all([a.with('k', look(400)), a.with('k', look(0))]);
    assert.ok(seen[0] && seen[1]);
    assert.notEqual(seen[1], seen[0], 'after the stall the next caller took the lock again');
  } finally {
    await a.close();
  }
});
