// Users, addresses, mailboxes, auth rules, validation and the dashboard routes, over real HTTP.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startApi, type ApiEnv } from './_setup.ts';
import { Client } from './_client.ts';

let env: ApiEnv;
let alice: Awaited<ReturnType<ApiEnv['newUser']>>;
let bob: Awaited<ReturnType<ApiEnv['newUser']>>;

before(async () => {
  env = await startApi();
  alice = await env.newUser('alice');
  bob = await env.newUser('bob');
});
after(async () => {
  await env?.stop();
});

describe('conventions', () => {
  test('GET /health still answers without a token', async () => {
    const r = await env.anon.get('/health');
    assert.equal(r.status, 200);
    assert.equal(r.body.success, true);
  });

  test('an unknown route is a JSON 404', async () => {
    const r = await env.admin.get('/nope');
    assert.equal(r.status, 404);
    assert.equal(r.body.code, 'NotFound');
  });

  test('malformed JSON is 400 InvalidJson', async () => {
    const r = await env.admin.req('POST', '/users', {
      body: '{"username": ',
      headers: { 'Content-Type': 'application/json' },
    });
    assert.equal(r.status, 400);
    assert.equal(r.body.code, 'InvalidJson');
  });

  test('unknown body fields are refused with 400', async () => {
    const r = await env.admin.post('/users', { username: 'carol', password: 'x-secret', colour: 'blue' });
    assert.equal(r.status, 400);
    assert.equal(r.body.code, 'InputValidationError');
    assert.match(r.body.error, /colour/);
  });

  test('unknown query fields are refused with 400; accessToken, sess and ip are accepted', async () => {
    assert.equal((await env.admin.get('/users?bogus=1')).status, 400);
    assert.equal((await env.admin.get('/users?sess=abc&ip=1.2.3.4')).status, 200);
  });

  test('bad ids, huge numbers and wrong types are 400, never 500', async () => {
    const cases: Array<[string, string, unknown?]> = [
      ['GET', '/users/-not-a-name'],
      ['GET', '/users/not%20a%20name'],
      ['GET', `/users/${alice.id}/mailboxes/zzz`],
      ['GET', `/users/${alice.id}/mailboxes/${'a'.repeat(24)}/messages/99999999999999999999`],
      ['GET', `/users/${alice.id}/mailboxes/${'a'.repeat(24)}/messages/-1`],
      ['GET', '/users?limit=1e400'],
      ['GET', '/users?limit=abc'],
      ['GET', '/users?limit=1&limit=2'],
      ['GET', '/users?next=%%%'],
      ['POST', '/users', { username: 'x', password: 'y', quota: 1e300 }],
      ['POST', '/users', { username: 42, password: 'y' }],
      ['POST', '/users', [1, 2, 3]],
      ['POST', '/users', 'just a string'],
      ['PUT', `/users/${alice.id}`, { quota: -1 }],
      ['PUT', `/users/${alice.id}`, { messageQuota: -1 }],
      ['POST', '/users', { username: 'x', password: 'y', messageQuota: 1.5 }],
      ['GET', `/users/${alice.id}/search?datestart=yesterday`],
    ];
    for (const [method, path, json] of cases) {
      const r = await env.admin.req(method, path, json === undefined ? {} : { json });
      assert.equal(r.status, 400, `${method} ${path} → ${r.status} ${r.text}`);
      assert.equal(typeof r.body.error, 'string');
      assert.equal(typeof r.body.code, 'string');
    }
  });

  test('a JSON body over the limit is 413', async () => {
    const r = await env.admin.post('/users', { username: 'big', password: 'x'.repeat(2 * 1024 * 1024) });
    assert.equal(r.status, 413);
    assert.equal(r.body.code, 'PayloadTooLarge');
  });

  test('a well-formed id that names nothing is 404', async () => {
    const r = await env.admin.get(`/users/${'0'.repeat(24)}`);
    assert.equal(r.status, 404);
    assert.equal(r.body.code, 'UserNotFound');
  });
});

describe('authentication', () => {
  test('no token → 401 MissingToken; a wrong one → 401 InvalidToken', async () => {
    const none = await env.anon.get('/users');
    assert.equal(none.status, 401);
    assert.equal(none.body.code, 'MissingToken');
    const bad = await env.anon.get('/users', { token: 'wrong-token' });
    assert.equal(bad.status, 401);
    assert.equal(bad.body.code, 'InvalidToken');
  });

  test('the admin token works as header, Bearer and query parameter', async () => {
    const t = env.srv.adminToken;
    assert.equal((await env.anon.get('/users', { headers: { Authorization: `Bearer ${t}` } })).status, 200);
    assert.equal((await env.anon.get(`/users?accessToken=${encodeURIComponent(t)}`)).status, 200);
    assert.equal((await env.anon.get('/users', { headers: { 'X-Access-Token': t } })).status, 200);
  });

  test('POST /authenticate checks the password; wrong ones are 403 and land in the auth log', async () => {
    const ok = await env.anon.post('/authenticate', { username: 'alice', password: alice.password });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.id, alice.id);
    assert.equal(ok.body.token, undefined);
    const bad = await env.anon.post('/authenticate', { username: 'alice', password: 'wrong' });
    assert.equal(bad.status, 403);
    assert.equal(bad.body.code, 'AuthFailed');
    const log = await env.admin.get(`/users/${alice.id}/authlog`);
    assert.equal(log.status, 200);
    assert.ok(
      log.body.results.some(
        (e: { result: string; protocol: string }) => e.result === 'failure' && e.protocol === 'api',
      ),
    );
  });

  test('repeated failures are rate-limited with 429 and Retry-After', async () => {
    await env.newUser('victim');
    const c = new Client(env.port);
    let last = 0;
    let retry: unknown;
    for (let i = 0; i < 12; i++) {
      const r = await c.post('/authenticate', { username: 'victim', password: `bad-${i}` });
      last = r.status;
      retry = r.headers['retry-after'];
      if (r.status === 429) break;
    }
    assert.equal(last, 429);
    assert.ok(Number(retry) > 0);
  });

  test('authorization matrix: admin, own user, other user, no token', async () => {
    const routes: Array<[string, string]> = [
      ['GET', `/users/${alice.id}`],
      ['GET', `/users/${alice.id}/addresses`],
      ['GET', `/users/${alice.id}/mailboxes`],
      ['GET', `/users/${alice.id}/search`],
      ['GET', `/users/${alice.id}/filters`],
      ['GET', `/users/${alice.id}/autoreply`],
      ['GET', `/users/${alice.id}/asps`],
      ['GET', `/users/${alice.id}/authlog`],
    ];
    for (const [method, path] of routes) {
      assert.equal((await env.admin.req(method, path)).status, 200, `admin ${path}`);
      assert.equal((await alice.client.req(method, path)).status, 200, `own ${path}`);
      assert.equal((await bob.client.req(method, path)).status, 403, `other ${path}`);
      assert.equal((await env.anon.req(method, path)).status, 401, `anon ${path}`);
      const me = path.replace(alice.id, 'me');
      assert.equal((await alice.client.req(method, me)).status, 200, `me ${me}`);
    }
    const adminOnly: Array<[string, string, unknown?]> = [
      ['GET', '/users'],
      ['POST', '/users', { username: 'mallory', password: 'secret-1' }],
      ['DELETE', `/users/${bob.id}`],
      ['GET', '/settings'],
      ['GET', '/events'],
      ['GET', '/logs/current'],
      ['GET', '/addresses/resolve/alice@example.test'],
    ];
    for (const [method, path, json] of adminOnly) {
      const r = await alice.client.req(method, path, json === undefined ? {} : { json });
      assert.equal(r.status, 403, `user token on ${method} ${path}`);
      assert.equal((await env.anon.req(method, path)).status, 401, `anon ${method} ${path}`);
    }
  });

  test('a user is named by id or by username on every user route, with the same access rules', async () => {
    const inbox = (await env.admin.get(`/users/${alice.id}/mailboxes`)).body.results.find(
      (m: { path: string }) => m.path === 'INBOX',
    );
    const suffixes = [
      '',
      '/addresses',
      '/mailboxes',
      `/mailboxes/${inbox.id}/messages`,
      '/search',
      '/filters',
    ];
    for (const suffix of [...suffixes, '/autoreply', '/asps', '/authlog']) {
      for (const name of ['alice', 'Alice']) {
        const path = `/users/${name}${suffix}`;
        const byName = await env.admin.get(path);
        assert.equal(byName.status, 200, `admin ${path}: ${byName.text}`);
        assert.deepEqual(byName.body, (await env.admin.get(`/users/${alice.id}${suffix}`)).body, path);
        assert.equal((await alice.client.get(path)).status, 200, `own ${path}`);
        assert.equal((await bob.client.get(path)).status, 403, `other ${path}`);
      }
    }
    // writes resolve the same way
    const created = await env.admin.post('/users/alice/mailboxes', { path: 'By name' });
    assert.equal(created.status, 200, created.text);
    const listed = await alice.client.get('/users/me/mailboxes');
    assert.ok(listed.body.results.some((m: { path: string }) => m.path === 'By name'));
    // an unknown name is the same 404 as an unknown id for the admin, and 403 for a user token
    const missing = await env.admin.get('/users/nobody-by-that-name');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 'UserNotFound');
    assert.equal((await alice.client.get('/users/nobody-by-that-name')).status, 403);
  });

  test('a user token may not raise its own quota', async () => {
    const r = await alice.client.put('/users/me', { quota: 10 ** 12 });
    assert.equal(r.status, 403);
    assert.equal((await alice.client.put('/users/me', { messageQuota: 10 ** 6 })).status, 403);
  });

  test('messageQuota: set on create and by the admin, shown with its usage', async () => {
    const c = await env.admin.post('/users', { username: 'mq', password: 'x-secret', messageQuota: 5 });
    assert.equal(c.status, 200, c.text);
    const one = await env.admin.get(`/users/${c.body.id}`);
    assert.deepEqual(one.body.limits.messages, { allowed: 5, used: 0 });
    assert.equal((await env.admin.put(`/users/${c.body.id}`, { messageQuota: 9 })).status, 200);
    const listed = await env.admin.get('/users?query=mq');
    const u = listed.body.results.find((x: { username: string }) => x.username === 'mq');
    assert.deepEqual(u.messages, { allowed: 9, used: 0 });
    // the OpenAPI document says so too
    const doc = (await env.anon.get('/openapi.json')).body;
    const body = (method: string) =>
      JSON.stringify(doc.paths['/users' + (method === 'put' ? '/{user}' : '')][method].requestBody);
    assert.match(body('post'), /"messageQuota"/);
    assert.match(body('put'), /"messageQuota"/);
  });

  test('"me" with the admin token is a 400', async () => {
    assert.equal((await env.admin.get('/users/me')).status, 400);
  });

  test('a password change revokes the user tokens and needs the existing password', async () => {
    const dave = await env.newUser('dave');
    assert.equal((await dave.client.get('/users/me')).status, 200);
    const wrong = await dave.client.put('/users/me', {
      password: 'new-password-1',
      existingPassword: 'nope',
    });
    assert.equal(wrong.status, 403);
    const missing = await dave.client.put('/users/me', { password: 'new-password-1' });
    assert.equal(missing.status, 403);
    const sub = env.srv.server.ctx.backends.newRedis();
    const heard: string[] = [];
    sub.on('message', (_c: string, m: string) => heard.push(m));
    await sub.subscribe(env.srv.store.keys.logoutChannel);
    const ok = await dave.client.put('/users/me', {
      password: 'new-password-1',
      existingPassword: dave.password,
    });
    assert.equal(ok.status, 200);
    for (let i = 0; i < 50 && heard.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    sub.disconnect();
    assert.deepEqual(
      heard.map((m) => (JSON.parse(m) as { user: string }).user),
      [dave.id],
      'IMAP/POP3 sessions are asked to log out',
    );
    const after = await dave.client.get('/users/me');
    assert.equal(after.status, 401);
    const again = await env.anon.post('/authenticate', {
      username: 'dave',
      password: 'new-password-1',
      token: true,
    });
    assert.equal(again.status, 200);
  });

  test('DELETE /authenticate revokes the token it carries', async () => {
    const t = await env.anon.post('/authenticate', {
      username: 'alice',
      password: alice.password,
      token: true,
    });
    const c = env.anon.as(t.body.token);
    assert.equal((await c.get('/users/me')).status, 200);
    assert.equal((await c.del('/authenticate')).status, 200);
    assert.equal((await c.get('/users/me')).status, 401);
  });

  test('user tokens are stored hashed', async () => {
    const keys = await env.srv.server.ctx.backends.redis.keys(env.srv.store.keys.apiToken('*'));
    assert.ok(keys.length > 0);
    assert.ok(keys.every((k) => !k.includes(alice.token)));
  });
});

describe('users', () => {
  test('list with paging and query', async () => {
    for (const n of ['pa1', 'pa2', 'pa3'])
      await env.admin.post('/users', { username: n, password: 'secret-pw' });
    const p1 = await env.admin.get('/users?query=pa&limit=2');
    assert.equal(p1.status, 200);
    assert.equal(p1.body.total, 3);
    assert.equal(p1.body.results.length, 2);
    assert.equal(p1.body.previousCursor, false);
    assert.ok(p1.body.nextCursor);
    const p2 = await env.admin.get(`/users?query=pa&limit=2&next=${p1.body.nextCursor}`);
    assert.equal(p2.body.results.length, 1);
    assert.equal(p2.body.nextCursor, false);
    assert.equal(p2.body.page, 2);
    const page2 = await env.admin.get('/users?query=pa&limit=2&page=2');
    assert.deepEqual(page2.body.results, p2.body.results);
    const u = p1.body.results[0];
    for (const k of ['id', 'username', 'name', 'address', 'quota', 'messages', 'disabled'])
      assert.ok(k in u, k);
    assert.deepEqual(Object.keys(u.quota).sort(), ['allowed', 'used']);
  });

  test('create, read, update, duplicate, delete', async () => {
    const c = await env.admin.post('/users', {
      username: 'erin',
      password: 'secret-pw',
      name: 'Erin',
      quota: 1000,
      address: 'erin@example.test',
    });
    assert.equal(c.status, 200);
    assert.match(c.body.id, /^[0-9a-f]{24}$/);
    const dup = await env.admin.post('/users', { username: 'erin', password: 'secret-pw' });
    assert.equal(dup.status, 409);
    const g = await env.admin.get(`/users/${c.body.id}`);
    assert.equal(g.body.username, 'erin');
    assert.equal(g.body.address, 'erin@example.test');
    assert.deepEqual(g.body.limits.quota, { allowed: 1000, used: 0 });
    assert.equal(
      (await env.admin.put(`/users/${c.body.id}`, { name: 'Erin E', disabled: true })).status,
      200,
    );
    const g2 = await env.admin.get(`/users/${c.body.id}`);
    assert.equal(g2.body.name, 'Erin E');
    assert.equal(g2.body.disabled, true);
    const q = await env.admin.post(`/users/${c.body.id}/quota/reset`, {});
    assert.equal(q.status, 200);
    assert.equal(q.body.storageUsed, 0);
    assert.equal((await env.admin.put(`/users/${c.body.id}/logout`, { reason: 'test' })).status, 200);
    assert.equal((await env.admin.del(`/users/${c.body.id}`)).status, 200);
    assert.equal((await env.admin.get(`/users/${c.body.id}`)).status, 404);
  });
});

describe('addresses', () => {
  test('add, list, get by id or address, make main, resolve, delete', async () => {
    const add = await alice.client.post('/users/me/addresses', { address: 'Alice.Two@Example.test' });
    assert.equal(add.status, 200);
    const list = await alice.client.get('/users/me/addresses');
    const two = list.body.results.find((a: { address: string }) => a.address === 'alice.two@example.test');
    assert.ok(two);
    assert.equal(two.main, false);
    assert.equal(
      (await alice.client.get(`/users/me/addresses/${two.id}`)).body.address,
      'alice.two@example.test',
    );
    assert.equal((await alice.client.get('/users/me/addresses/alice.two@example.test')).body.id, two.id);
    assert.equal((await alice.client.put(`/users/me/addresses/${two.id}`, { main: true })).status, 200);
    assert.equal((await env.admin.get(`/users/${alice.id}`)).body.address, 'alice.two@example.test');
    const dup = await bob.client.post('/users/me/addresses', { address: 'alice.two@example.test' });
    assert.equal(dup.status, 409);
    const res = await env.admin.get('/addresses/resolve/alice.two+tag@example.test');
    assert.equal(res.status, 200);
    assert.equal(res.body.user, alice.id);
    assert.equal((await env.admin.get('/addresses/resolve/nobody@nowhere.test')).status, 404);
    assert.equal(
      (await alice.client.put('/users/me/addresses/alice@example.test', { main: true })).status,
      200,
    );
    assert.equal((await alice.client.del(`/users/me/addresses/${two.id}`)).status, 200);
    assert.equal((await alice.client.get(`/users/me/addresses/${two.id}`)).status, 404);
    assert.equal((await bob.client.del(`/users/${alice.id}/addresses/alice@example.test`)).status, 403);
  });
});

describe('mailboxes', () => {
  test('list with counters, create, rename, subscribe, delete', async () => {
    const list = await alice.client.get('/users/me/mailboxes?counters=true');
    assert.equal(list.status, 200);
    const inbox = list.body.results.find((m: { path: string }) => m.path === 'INBOX');
    for (const k of [
      'id',
      'name',
      'path',
      'specialUse',
      'subscribed',
      'modifyIndex',
      'total',
      'unseen',
      'size',
    ])
      assert.ok(k in inbox, k);
    assert.ok(list.body.results.some((m: { specialUse: string | null }) => m.specialUse === '\\Sent'));
    const c = await alice.client.post('/users/me/mailboxes', { path: 'Projects/Nestbox' });
    assert.equal(c.status, 200);
    assert.equal((await alice.client.post('/users/me/mailboxes', { path: 'Projects/Nestbox' })).status, 409);
    assert.equal((await alice.client.post('/users/me/mailboxes', { path: 'a//b' })).status, 400);
    const one = await alice.client.get(`/users/me/mailboxes/${c.body.id}`);
    assert.equal(one.body.name, 'Nestbox');
    assert.equal(one.body.total, 0);
    assert.equal(
      (
        await alice.client.put(`/users/me/mailboxes/${c.body.id}`, {
          path: 'Projects/Renamed',
          subscribed: false,
        })
      ).status,
      200,
    );
    const renamed = await alice.client.get(`/users/me/mailboxes/${c.body.id}`);
    assert.equal(renamed.body.path, 'Projects/Renamed');
    assert.equal(renamed.body.subscribed, false);
    assert.equal((await alice.client.del(`/users/me/mailboxes/${c.body.id}`)).status, 200);
    assert.equal((await alice.client.get(`/users/me/mailboxes/${c.body.id}`)).status, 404);
    const delInbox = await alice.client.del(`/users/me/mailboxes/${inbox.id}`);
    assert.equal(delInbox.status, 409);
    assert.equal((await bob.client.get(`/users/${alice.id}/mailboxes/${inbox.id}`)).status, 403);
    // bob's token with his own id but alice's mailbox id: not found, not leaked
    assert.equal((await bob.client.get(`/users/me/mailboxes/${inbox.id}`)).status, 404);
  });
});

describe('filters, autoreply, application passwords', () => {
  test('filters CRUD; forwarding without a relay is 409 RELAY_REQUIRED', async () => {
    const c = await alice.client.post('/users/me/filters', {
      name: 'lists',
      query: { listId: 'nestbox' },
      action: { seen: true },
    });
    assert.equal(c.status, 200);
    const list = await alice.client.get('/users/me/filters');
    assert.equal(list.body.results.length, 1);
    assert.equal(list.body.results[0].query.listId, 'nestbox');
    assert.equal((await alice.client.put(`/users/me/filters/${c.body.id}`, { disabled: true })).status, 200);
    assert.equal((await alice.client.get(`/users/me/filters/${c.body.id}`)).body.disabled, true);
    const fwd = await alice.client.post('/users/me/filters', {
      query: { from: 'x' },
      action: { targets: ['x@example.org'] },
    });
    assert.equal(fwd.status, 409);
    assert.equal(fwd.body.code, 'RELAY_REQUIRED');
    assert.equal(
      (await alice.client.post('/users/me/filters', { query: {}, action: { bogus: 1 } })).status,
      400,
    );
    assert.equal((await bob.client.get(`/users/me/filters/${c.body.id}`)).status, 404);
    assert.equal((await alice.client.del(`/users/me/filters/${c.body.id}`)).status, 200);
    assert.equal((await alice.client.get(`/users/me/filters/${c.body.id}`)).status, 404);
  });

  test('autoreply: off by default, on needs a relay, off can be saved, delete', async () => {
    const g = await alice.client.get('/users/me/autoreply');
    assert.equal(g.body.status, false);
    const on = await alice.client.put('/users/me/autoreply', {
      status: true,
      subject: 'away',
      text: 'back soon',
    });
    assert.equal(on.status, 409);
    assert.equal(on.body.code, 'RELAY_REQUIRED');
    assert.equal(
      (await alice.client.put('/users/me/autoreply', { status: false, subject: 'away' })).status,
      200,
    );
    assert.equal((await alice.client.get('/users/me/autoreply')).body.subject, 'away');
    assert.equal(
      (
        await alice.client.put('/users/me/autoreply', {
          status: false,
          start: '2030-01-02',
          end: '2030-01-01',
        })
      ).status,
      400,
    );
    assert.equal((await alice.client.del('/users/me/autoreply')).status, 200);
  });

  test('application passwords: shown once, log in over the API check, listed without the secret, deleted', async () => {
    const c = await alice.client.post('/users/me/asps', { description: 'phone', scopes: ['imap', 'pop3'] });
    assert.equal(c.status, 200);
    assert.equal(typeof c.body.password, 'string');
    const list = await alice.client.get('/users/me/asps');
    const item = list.body.results.find((a: { id: string }) => a.id === c.body.id);
    assert.deepEqual(item.scopes, ['imap', 'pop3']);
    assert.ok(!JSON.stringify(list.body).includes(c.body.password));
    const auth = await env.anon.post('/authenticate', {
      username: 'alice',
      password: c.body.password,
      scope: 'imap',
    });
    assert.equal(auth.status, 200);
    assert.equal(
      (await alice.client.post('/users/me/asps', { description: 'x', scopes: ['ftp'] })).status,
      400,
    );
    assert.equal((await alice.client.del(`/users/me/asps/${c.body.id}`)).status, 200);
    assert.equal((await alice.client.del(`/users/me/asps/${c.body.id}`)).status, 404);
  });
});

describe('dashboard support', () => {
  test('GET /openapi.json is OpenAPI 3.1 and documents every route', async () => {
    const r = await env.anon.get('/openapi.json');
    assert.equal(r.status, 200);
    assert.equal(r.body.openapi, '3.1.0');
    for (const p of [
      '/users',
      '/users/{user}',
      '/users/{user}/mailboxes/{mailbox}/messages/{message}/message.eml',
      '/users/{user}/updates',
      '/events',
      '/settings',
    ]) {
      assert.ok(r.body.paths[p], p);
    }
    const post = r.body.paths['/users'].post;
    assert.deepEqual(post.requestBody.content['application/json'].schema.required.sort(), [
      'password',
      'username',
    ]);
    assert.equal(post.requestBody.content['application/json'].schema.additionalProperties, false);
  });

  test('GET /settings hides secrets; PUT /settings validates, saves config.json and names what needs a restart', async () => {
    const g = await env.admin.get('/settings');
    assert.equal(g.status, 200);
    const token = g.body.settings.find((s: { key: string }) => s.key === 'adminToken');
    assert.equal(token.value, null);
    assert.ok(!g.text.includes(env.srv.adminToken));
    const mongo = g.body.settings.find((s: { key: string }) => s.key === 'mongodbUri');
    assert.ok(mongo);
    const bad = await env.admin.put('/settings', { maxMessageSize: 12 });
    assert.equal(bad.status, 400);
    const unknown = await env.admin.put('/settings', { colour: 'red' });
    assert.equal(unknown.status, 400);
    const ro = await env.admin.put('/settings', { dataDir: '/tmp/x' });
    assert.equal(ro.status, 400);
    const ok = await env.admin.put('/settings', {
      maxMessageSize: 2048000,
      logLevel: 'warn',
      ports: { imap: 1144 },
    });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body.restartRequired.sort(), ['maxMessageSize', 'ports.imap']);
    assert.deepEqual(ok.body.applied, ['logLevel']);
    const saved = JSON.parse(readFileSync(join(env.srv.dataDir, 'config.json'), 'utf8'));
    assert.deepEqual(saved, { maxMessageSize: 2048000, logLevel: 'warn', ports: { imap: 1144 } });
    const cleared = await env.admin.put('/settings', { maxMessageSize: null });
    assert.equal(cleared.status, 200);
    assert.equal(
      JSON.parse(readFileSync(join(env.srv.dataDir, 'config.json'), 'utf8')).maxMessageSize,
      undefined,
    );
  });

  test('GET /logs/current downloads the log file', async () => {
    const dir = join(env.srv.dataDir, 'logs');
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'current.log'), '{"level":30,"msg":"hello"}\n');
    const r = await env.anon.get(`/logs/current?accessToken=${encodeURIComponent(env.srv.adminToken)}`);
    assert.equal(r.status, 200);
    assert.equal(r.text, '{"level":30,"msg":"hello"}\n');
  });

  test('Thunderbird autoconfig needs no token; without an outgoing server it says one is needed', async () => {
    // the XML itself is checked in autoconfig.test.ts, with an outgoing server configured
    const r = await env.anon.get('/mail/config-v1.1.xml?emailaddress=alice%40example.test');
    assert.equal(r.status, 404);
    assert.equal(r.body.code, 'NoOutgoingServer');
    assert.equal((await env.anon.get('/mail/config-v1.1.xml?emailaddress=<script>')).status, 400);
  });

  test('Apple mobileconfig needs a token', async () => {
    assert.equal((await env.anon.get('/mobileconfig?emailaddress=alice%40example.test')).status, 401);
    const r = await alice.client.get('/mobileconfig?emailaddress=alice%40example.test');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/x-apple-aspen-config');
    assert.match(r.text, /com\.apple\.mail\.managed/);
  });
});
