// Failed logins are counted per account, whichever of its names (username, addresses) was used,
// and per client address, across IMAP, POP3 and the API's /authenticate alike (ARCHITECTURE §6).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { RawImap } from '../imap/_client.ts';
import { RawPop3 } from '../pop3/_util.ts';
import { Client } from '../api/_client.ts';
import { AuthRateLimiter, DEFAULT_RATE_LIMIT, type RateLimitOptions } from '../../server/auth/rate-limit.ts';
import { openTestRedis, uniqueName } from '../helpers/backends.ts';

type Outcome = 'ok' | 'failed' | 'throttled';
type Protocol = 'imap' | 'pop3' | 'api';

interface Env {
  srv: TestServer;
  attempt(protocol: Protocol, login: string, password: string, ip: string): Promise<Outcome>;
}

const started: TestServer[] = [];
after(async () => {
  for (const s of started) await s.stop();
});

/** A server with the given login limits; no backoff and high limits unless asked for. */
async function serve(limits: Partial<RateLimitOptions>): Promise<Env> {
  const srv = await startTestServer({
    services: ['imap', 'pop3', 'api'],
    limits: {
      rateLimit: {
        accountFailures: 1000,
        ipFailures: 1000,
        accountBackoffAfter: 1000,
        ipBackoffAfter: 1000,
        ...limits,
      },
    },
  });
  started.push(srv);
  const api = new Client(srv.ports.api!);
  return {
    srv,
    async attempt(protocol, login, password, ip) {
      if (protocol === 'imap') {
        const c = await RawImap.open(srv.ports.imap!, { localAddress: ip });
        await c.response();
        const r = (await c.command('a', `LOGIN "${login}" "${password}"`)).at(-1)!;
        c.close();
        if (r.startsWith('a OK')) return 'ok';
        if (r === 'a NO [AUTHENTICATIONFAILED] Invalid credentials') return 'failed';
        assert.match(r, /^a NO \[UNAVAILABLE\] Too many failed logins; try again in \d+ seconds$/);
        return 'throttled';
      }
      if (protocol === 'pop3') {
        const { client } = await RawPop3.open(srv.ports.pop3!, { localAddress: ip });
        assert.match(await client.cmd(`USER ${login}`), /^\+OK/);
        const r = await client.cmd(`PASS ${password}`);
        client.close();
        if (r.startsWith('+OK')) return 'ok';
        if (r === '-ERR [AUTH] invalid credentials') return 'failed';
        assert.match(r, /^-ERR \[SYS\/TEMP\] too many failed logins, try again in \d+ seconds$/);
        return 'throttled';
      }
      const r = await api.post('/authenticate', { username: login, password }, { localAddress: ip });
      if (r.status === 200) return 'ok';
      if (r.status === 403) return 'failed';
      assert.equal(r.status, 429);
      assert.equal(r.body.code, 'RateLimitedError');
      assert.match(String(r.headers['retry-after']), /^\d+$/);
      return 'throttled';
    },
  };
}

async function userWithAliases(
  srv: TestServer,
  name: string,
): Promise<{ logins: string[]; password: string }> {
  const password = `pw-${name}-secret`;
  const u = await srv.store.users.create({ username: name, password, address: `${name}@example.test` });
  await srv.store.addresses.add(u.id, `${name}.alias@example.test`);
  await srv.store.addresses.add(u.id, `${name}@family.test`);
  return {
    logins: [name, `${name}@example.test`, `${name.toUpperCase()}.Alias@Example.Test`, `${name}@family.test`],
    password,
  };
}

const PROTOCOLS: Protocol[] = ['imap', 'pop3', 'api'];
let nextIp = 10 + Math.floor(Math.random() * 200);
const freshIp = () => `127.3.${Math.floor(Math.random() * 250) + 1}.${(nextIp++ % 250) + 2}`;

test('logins by username and by each alias share one budget: lockout after the same N failures in total', async () => {
  const N = 7;
  const env = await serve({ accountFailures: N });
  const dora = await userWithAliases(env.srv, 'dora');
  const ip = freshIp();
  const seen: Outcome[] = [];
  for (let i = 0; i < N; i++) {
    const login = dora.logins[i % dora.logins.length]!;
    seen.push(await env.attempt(PROTOCOLS[i % 3]!, login, 'wrong', ip));
  }
  assert.deepEqual(seen, Array<Outcome>(N).fill('failed'));
  // the account is locked now: the right password is refused under every name and every protocol,
  // from other addresses as well
  for (const login of dora.logins) {
    for (const protocol of PROTOCOLS) {
      assert.equal(
        await env.attempt(protocol, login, dora.password, freshIp()),
        'throttled',
        `${protocol} ${login}`,
      );
    }
  }
  // another account on the same client address is not affected
  const eve = await userWithAliases(env.srv, 'eve');
  assert.equal(await env.attempt('imap', 'eve@family.test', eve.password, ip), 'ok');
});

test('backoff: after the free failures the next attempt waits, whichever alias it uses', async () => {
  const env = await serve({ accountBackoffAfter: 2, backoffBaseMs: 1500, backoffMaxMs: 1500 });
  const fay = await userWithAliases(env.srv, 'fay');
  const ip = freshIp();
  assert.equal(await env.attempt('imap', fay.logins[0]!, 'wrong', ip), 'failed');
  assert.equal(await env.attempt('pop3', fay.logins[1]!, 'wrong', ip), 'failed');
  assert.equal(await env.attempt('api', fay.logins[2]!, 'wrong', ip), 'failed');
  for (const protocol of PROTOCOLS) {
    assert.equal(await env.attempt(protocol, fay.logins[3]!, fay.password, freshIp()), 'throttled', protocol);
  }
  await new Promise((r) => setTimeout(r, 1600));
  assert.equal(await env.attempt('pop3', fay.logins[3]!, fay.password, ip), 'ok');
  // a success clears the account's count: the next failure is free again
  assert.equal(await env.attempt('imap', fay.logins[1]!, 'wrong', ip), 'failed');
  assert.equal(await env.attempt('api', fay.logins[2]!, fay.password, ip), 'ok');
});

test('one client address failing against many accounts (and unknown logins) is locked out', async () => {
  const N = 6;
  const env = await serve({ ipFailures: N });
  const users = [];
  for (const name of ['gus', 'hal', 'ida', 'jon']) users.push(await userWithAliases(env.srv, name));
  const ip = freshIp();
  const logins = [
    users[0]!.logins[0]!,
    'ghost',
    users[1]!.logins[1]!,
    'nobody@example.test',
    users[2]!.logins[3]!,
    'x',
  ];
  const seen: Outcome[] = [];
  for (let i = 0; i < N; i++) seen.push(await env.attempt(PROTOCOLS[i % 3]!, logins[i]!, 'wrong', ip));
  assert.deepEqual(seen, Array<Outcome>(N).fill('failed'));
  const jon = users[3]!;
  for (const protocol of PROTOCOLS) {
    assert.equal(await env.attempt(protocol, jon.logins[0]!, jon.password, ip), 'throttled', protocol);
  }
  // the accounts themselves were not locked: from elsewhere they log in
  assert.equal(await env.attempt('imap', jon.logins[1]!, jon.password, freshIp()), 'ok');
  assert.equal(await env.attempt('api', users[0]!.logins[2]!, users[0]!.password, freshIp()), 'ok');
});

test('many parallel logins with the right password all succeed under the shipped limits', async () => {
  // a client opening its connections at once must not be taken for a guesser
  const env = await serve({
    accountFailures: 10,
    ipFailures: 30,
    accountBackoffAfter: 3,
    ipBackoffAfter: 10,
  });
  const u = await userWithAliases(env.srv, 'many');
  const ip = freshIp();
  const outcomes = await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      env.attempt(i % 2 ? 'imap' : 'api', u.logins[i % 4]!, u.password, ip),
    ),
  );
  assert.deepEqual(new Set(outcomes), new Set(['ok']));
});

test('attempts in flight count for nothing: only failures do', async () => {
  const redis = openTestRedis();
  try {
    const limiter = new AuthRateLimiter(redis, { ...DEFAULT_RATE_LIMIT, prefix: uniqueName('authfail') });
    // twenty logins of one account checked before any of them finished (parallel connections)
    for (let i = 0; i < 20; i++) assert.equal(await limiter.take('acct', '127.0.0.9'), 0);
    await limiter.succeeded('acct');
    // failures do count: past the free ones the next attempt waits
    for (let i = 0; i < DEFAULT_RATE_LIMIT.accountBackoffAfter + 1; i++)
      await limiter.failed('acct', '127.0.0.9');
    assert.ok((await limiter.take('acct', '127.0.0.9')) > 0);
  } finally {
    redis.disconnect();
  }
});
