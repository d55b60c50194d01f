import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openStore, type TestStore } from './_store.ts';
import { addressView, isStoreError, normalizeAddress } from '../../server/store/index.ts';

let t: TestStore;
before(async () => {
  t = await openStore();
});
after(async () => {
  await t.close();
});

test('normalisation and the folded view', () => {
  assert.equal(normalizeAddress(' John.Doe@EXAMPLE.com '), 'john.doe@example.com');
  assert.equal(normalizeAddress('<A@B.C>'), 'a@b.c');
  assert.equal(normalizeAddress('user@xn--bcher-kva.example'), 'user@bücher.example');
  assert.equal(addressView('Ｊｏｈｎ+News@Example.com'), 'john@example.com');
  assert.throws(
    () => normalizeAddress('no-at-sign'),
    (e) => isStoreError(e, 'INVALID'),
  );
  assert.throws(
    () => normalizeAddress('a b@c.d'),
    (e) => isStoreError(e, 'INVALID'),
  );
});

test('addresses are unique, resolve with +tag and catch-all', async () => {
  const a = await t.store.users.create({ username: 'ann', password: 'pw' });
  const b = await t.store.users.create({ username: 'ben', password: 'pw' });
  const info = await t.store.addresses.add(a.id, 'Ann@Example.com');
  assert.deepEqual(info, {
    id: info.id,
    user: a.id,
    address: 'ann@example.com',
    addrview: 'ann@example.com',
    created: info.created,
  });
  assert.equal((await t.store.users.get(a.id))?.address, 'ann@example.com', 'first address becomes primary');
  await assert.rejects(t.store.addresses.add(b.id, 'ANN@example.COM'), (e) => isStoreError(e, 'EXISTS'));
  await t.store.addresses.add(b.id, '*@example.com');
  await t.store.addresses.add(b.id, 'ben@example.com');

  assert.deepEqual(await t.store.addresses.resolve('ANN@example.com'), {
    user: a.id,
    address: 'ann@example.com',
  });
  assert.deepEqual(await t.store.addresses.resolve('ann+lists@example.com'), {
    user: a.id,
    address: 'ann@example.com',
  });
  assert.deepEqual(await t.store.addresses.resolve('whoever@example.com'), {
    user: b.id,
    address: '*@example.com',
  });
  assert.equal(await t.store.addresses.resolve('ann@other.example'), null);
  assert.equal(await t.store.addresses.resolve('garbage'), null);
  // a catch-all is never a login
  assert.equal(await t.store.users.authenticate('whoever@example.com', 'pw', 'imap'), null);

  assert.deepEqual(
    (await t.store.addresses.list(b.id)).map((x) => x.address),
    ['*@example.com', 'ben@example.com'],
  );
  assert.equal(await t.store.addresses.delete(a.id, 'ben@example.com'), false, 'not hers');
  assert.equal(await t.store.addresses.delete(a.id, 'ann@example.com'), true);
  assert.equal((await t.store.users.get(a.id))?.address, null);
  assert.deepEqual(await t.store.addresses.resolve('ann@example.com'), {
    user: b.id,
    address: '*@example.com',
  });
  assert.equal(await t.store.addresses.get('ann@example.com'), null);
  assert.equal((await t.store.addresses.get('BEN@example.com'))?.user, b.id);
});
