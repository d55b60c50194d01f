// Which addresses a user's own token may add (served domains, nobody else's address or +tag form,
// no catch-alls) and that the admin token may add the rest; every refusal says why in its code.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startApi, type ApiEnv } from './_setup.ts';
import type { Client } from './_client.ts';

let env: ApiEnv;
let alice: { id: string; client: Client };
let bob: { id: string; client: Client };
before(async () => {
  env = await startApi();
  alice = await env.newUser('alice');
  bob = await env.newUser('bob');
  const team = await env.admin.post(`/users/${bob.id}/addresses`, { address: 'team+dev@example.test' });
  assert.equal(team.status, 200);
});
after(async () => {
  await env.stop();
});

const mine = async (c: Client) =>
  ((await c.get('/users/me/addresses')).body.results as Array<{ address: string }>)
    .map((a) => a.address)
    .sort();

test("a user's token cannot take another user's address, a +tag form of it, or its folded spelling", async () => {
  for (const address of [
    'bob+x@example.test',
    'Bob+Shop@Example.TEST',
    'BOB@example.test',
    'ｂｏｂ@example.test', // full-width letters fold to bob (NFKC)
    'team@example.test', // bob holds team+dev
    'team+other@example.test',
  ]) {
    const r = await alice.client.post('/users/me/addresses', { address });
    assert.deepEqual(
      [r.status, r.body],
      [409, { error: 'this address, or a +tag form of it, belongs to another user', code: 'AddressInUse' }],
      address,
    );
  }
  assert.deepEqual(await mine(alice.client), ['alice@example.test']);
});

test("a user's token cannot add a catch-all or an address in a domain the server does not serve", async () => {
  const all = await alice.client.post('/users/me/addresses', { address: '*@example.test' });
  assert.deepEqual(
    [all.status, all.body],
    [403, { error: 'only an administrator may add a catch-all address', code: 'CatchAllAdminOnly' }],
  );
  const foreign = await alice.client.post('/users/me/addresses', { address: 'alice@gmail.test' });
  assert.deepEqual(
    [foreign.status, foreign.body],
    [
      403,
      {
        error:
          'gmail.test is not a domain this server serves; only an administrator may add its first address',
        code: 'DomainNotServed',
      },
    ],
  );
  const idn = await alice.client.post('/users/me/addresses', { address: 'a@xn--bcher-kva.test' });
  assert.equal(idn.body.code, 'DomainNotServed');
  assert.deepEqual(await mine(alice.client), ['alice@example.test']);
  // resolving still finds the owners
  assert.equal((await env.admin.get('/addresses/resolve/bob+x@example.test')).body.user, bob.id);
});

test("a user's token may add free addresses and its own +tag forms in a served domain", async () => {
  for (const address of ['alice+news@example.test', 'Alice.Shop@example.test']) {
    assert.equal((await alice.client.post('/users/me/addresses', { address })).status, 200, address);
  }
  const again = await alice.client.post('/users/me/addresses', { address: 'alice.shop@example.test' });
  assert.deepEqual([again.status, again.body.code], [409, 'AlreadyExists']);
  assert.deepEqual(await mine(alice.client), [
    'alice+news@example.test',
    'alice.shop@example.test',
    'alice@example.test',
  ]);
});

test('the admin token may add catch-alls and new domains; then users may add addresses there', async () => {
  const all = await env.admin.post(`/users/${alice.id}/addresses`, { address: '*@example.test' });
  assert.equal(all.status, 200);
  const foreign = await env.admin.post(`/users/${alice.id}/addresses`, { address: 'alice@family.test' });
  assert.equal(foreign.status, 200);
  assert.equal((await bob.client.post('/users/me/addresses', { address: 'bob@family.test' })).status, 200);
  const taken = await bob.client.post('/users/me/addresses', { address: 'alice+x@family.test' });
  assert.deepEqual([taken.status, taken.body.code], [409, 'AddressInUse']);
  const dup = await env.admin.post(`/users/${alice.id}/addresses`, { address: 'bob@example.test' });
  assert.deepEqual([dup.status, dup.body.code], [409, 'AlreadyExists']);
  assert.equal((await env.admin.get('/addresses/resolve/nobody@example.test')).body.user, alice.id);
});
