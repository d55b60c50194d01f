// The real `nestbox serve` process against the suite's FerretDB and a private redis-server:
// health, degraded health, graceful shutdown, start-up failures.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnServer } from '../helpers/server-process.ts';
import { startRedis } from '../helpers/test-services.ts';
import { testEnv } from '../helpers/backends.ts';

const { mongodbUri, redisUrl } = testEnv();
const scratch = mkdtempSync(join(tmpdir(), 'nestbox-redis-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function childPids(pid: number, name: string): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid), name], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when there are none
  }
}

test('serve answers /health 200, then 503 naming Redis once Redis is gone, and exits 0 on SIGTERM', async () => {
  const redis = await startRedis(scratch);
  const srv = spawnServer({ MONGODB_URI: mongodbUri, REDIS_URL: redis.url, NESTBOX_SERVICES: 'api' });
  try {
    const ports = await srv.ready();
    assert.deepEqual(Object.keys(ports), ['api']);
    const ok = await getJson(`http://127.0.0.1:${ports.api}/health`);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.success, true);
    assert.equal(ok.body.mongodb, 'ok');
    assert.equal(ok.body.redis, 'ok');
    assert.equal(ok.body.backend, 'external');
    assert.deepEqual(ok.body.services, { api: { host: '127.0.0.1', port: ports.api, tls: 'none' } });

    redis.child.kill('SIGKILL');
    await new Promise((r) => redis.child.once('exit', r));
    let degraded = await getJson(`http://127.0.0.1:${ports.api}/health`);
    for (let i = 0; i < 20 && degraded.status === 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      degraded = await getJson(`http://127.0.0.1:${ports.api}/health`);
    }
    assert.equal(degraded.status, 503);
    assert.equal(degraded.body.success, false);
    assert.equal(degraded.body.mongodb, 'ok');
    assert.notEqual(degraded.body.redis, 'ok');
    assert.equal(degraded.body.code, 'BackendUnavailable');
    assert.match(String(degraded.body.error), /^Redis: /);

    const t0 = Date.now();
    srv.child.kill('SIGTERM');
    const { code } = await srv.exited;
    assert.equal(code, 0, srv.output());
    assert.ok(Date.now() - t0 < 10_000);
  } finally {
    srv.cleanup();
    redis.child.kill('SIGKILL');
  }
});

test('first start generates the admin token once, stores it 0600 and logs it; a configured one is used as is', async () => {
  const srv = spawnServer({ MONGODB_URI: mongodbUri, REDIS_URL: redisUrl, NESTBOX_SERVICES: 'api' });
  try {
    await srv.ready();
    const tokenFile = join(srv.dataDir, 'admin-token');
    const token = readFileSync(tokenFile, 'utf8').trim();
    assert.match(token, /^[A-Za-z0-9_-]{32}$/);
    assert.equal(statSync(tokenFile).mode & 0o777, 0o600);
    assert.ok(srv.output().includes(`admin token generated: ${token}`));
    srv.child.kill('SIGTERM');
    assert.equal((await srv.exited).code, 0);
    assert.ok(
      existsSync(join(srv.dataDir, 'logs', 'current.log')),
      'JSON log file written under <data>/logs',
    );
    const lines = readFileSync(join(srv.dataDir, 'logs', 'current.log'), 'utf8')
      .trim()
      .split('\n');
    assert.equal((JSON.parse(lines[lines.length - 1]!) as { msg: string }).msg, 'stopped');
  } finally {
    srv.cleanup();
  }
  const configured = spawnServer({
    MONGODB_URI: mongodbUri,
    REDIS_URL: redisUrl,
    NESTBOX_SERVICES: 'api',
    NESTBOX_ADMIN_TOKEN: 'a-configured-token-1234',
  });
  try {
    await configured.ready();
    assert.equal(existsSync(join(configured.dataDir, 'admin-token')), false);
    configured.child.kill('SIGTERM');
    assert.equal((await configured.exited).code, 0);
  } finally {
    configured.cleanup();
  }
});

test('embedded Redis (system binary) is started with AOF in <data>/redis and stopped on SIGTERM: no child left', async () => {
  const srv = spawnServer({
    MONGODB_URI: mongodbUri,
    REDIS_URL: undefined,
    REDISMS_SYSTEM_BINARY: '/usr/bin/redis-server',
    NESTBOX_SERVICES: 'api',
  });
  try {
    const ports = await srv.ready(30_000);
    const health = await getJson(`http://127.0.0.1:${ports.api}/health`);
    assert.equal(health.status, 200);
    assert.equal(health.body.redis, 'ok');
    assert.equal(health.body.backend, 'embedded');
    const children = childPids(srv.child.pid!, 'redis-server');
    assert.equal(children.length, 1, 'embedded redis-server runs as a child');
    assert.ok(existsSync(join(srv.dataDir, 'redis')));
    srv.child.kill('SIGTERM');
    assert.equal((await srv.exited).code, 0, srv.output());
    for (const pid of children) {
      assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `child ${pid} is gone`);
    }
    const aof =
      existsSync(join(srv.dataDir, 'redis', 'appendonlydir')) ||
      existsSync(join(srv.dataDir, 'redis', 'appendonly.aof'));
    assert.ok(aof, 'append-only file is written in the data folder');
  } finally {
    srv.cleanup();
  }
});

test('a second signal during shutdown forces exit', async () => {
  const srv = spawnServer({ MONGODB_URI: mongodbUri, REDIS_URL: redisUrl, NESTBOX_SERVICES: 'api' });
  try {
    await srv.ready();
    srv.child.kill('SIGTERM');
    srv.child.kill('SIGTERM');
    const { code } = await srv.exited;
    assert.ok(code === 0 || code === 1, `exit code ${code}`);
  } finally {
    srv.cleanup();
  }
});

test('an unreachable MONGODB_URI fails start-up within 10 s with a clear message', async () => {
  const srv = spawnServer({
    MONGODB_URI: 'mongodb://127.0.0.1:1/',
    REDIS_URL: redisUrl,
    NESTBOX_SERVICES: 'api',
  });
  try {
    // timed from the server's own "connecting" line, so a slow interpreter start does not count
    let connectingAt = 0;
    srv.child.stdout!.on('data', (d: Buffer) => {
      if (!connectingAt && d.toString().includes('connecting to MongoDB')) connectingAt = Date.now();
    });
    const { code } = await srv.exited;
    assert.equal(code, 1);
    assert.ok(connectingAt > 0, srv.output());
    assert.ok(Date.now() - connectingAt < 10_000, `took ${Date.now() - connectingAt} ms`);
    const last = srv.output().trim().split('\n').pop()!;
    assert.match(last, /^nestbox: cannot reach MongoDB at mongodb:\/\/127\.0\.0\.1:1\/: /);
  } finally {
    srv.cleanup();
  }
});

test('an invalid setting stops start-up with one line and exit code 1', async () => {
  const srv = spawnServer({ NESTBOX_API_PORT: 'eighty' });
  try {
    const { code } = await srv.exited;
    assert.equal(code, 1);
    assert.equal(
      srv.output(),
      'nestbox: invalid setting NESTBOX_API_PORT = "eighty": must be a port number (0–65535)\n',
    );
  } finally {
    srv.cleanup();
  }
});

test('embedded MongoDB that cannot be obtained names every way out', async () => {
  const srv = spawnServer({
    MONGODB_URI: undefined,
    REDIS_URL: redisUrl,
    MONGOMS_SYSTEM_BINARY: join(scratch, 'no-such-mongod'),
    NESTBOX_SERVICES: 'api',
  });
  try {
    const { code } = await srv.exited;
    assert.equal(code, 1);
    const last = srv.output().trim().split('\n').pop()!;
    assert.match(last, /^nestbox: cannot start the embedded MongoDB \(.+\)\. /);
    for (const name of ['MONGODB_URI', 'REDIS_URL', 'MONGOMS_SYSTEM_BINARY', 'REDISMS_SYSTEM_BINARY']) {
      assert.ok(last.includes(name), `mentions ${name}`);
    }
  } finally {
    srv.cleanup();
  }
});

test('--help lists every setting; --version prints the version', () => {
  const bin = new URL('../../server/bin/nestbox.js', import.meta.url).pathname;
  const help = execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
  for (const env of [
    'NESTBOX_DATA_DIR',
    'MONGODB_URI',
    'REDIS_URL',
    'NESTBOX_SERVICES',
    'NESTBOX_API_PORT',
    'NESTBOX_ADMIN_TOKEN',
  ]) {
    assert.ok(help.includes(env), env);
  }
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  assert.equal(
    execFileSync(process.execPath, [bin, '--version'], { encoding: 'utf8' }),
    `nestbox ${pkg.version}\n`,
  );
});
