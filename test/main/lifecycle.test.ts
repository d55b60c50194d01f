import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  dashboardUrl,
  isDashboardOrigin,
  readAdminToken,
  readPorts,
  removeStalePorts,
  statusLine,
  waitForReady,
} from '../../main/lifecycle.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nestbox-lifecycle-'));
  dirs.push(dir);
  return dir;
}
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function healthServer(status = 200): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url !== '/health') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ success: status === 200, backend: 'embedded', uptime: 3, services: {} }));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('lifecycle', () => {
  it('reads ports.json, ignoring junk and a file older than the start', () => {
    const dir = tempDir();
    assert.equal(readPorts(dir), undefined);
    writeFileSync(join(dir, 'ports.json'), '{"api": 8080, "imap": 1143, "bad": "x"');
    assert.equal(readPorts(dir), undefined, 'half-written file');
    writeFileSync(join(dir, 'ports.json'), '{"api": 8080, "imap": 1143, "bad": "x"}');
    assert.deepEqual(readPorts(dir), { api: 8080, imap: 1143 });
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(dir, 'ports.json'), old, old);
    assert.equal(readPorts(dir, Date.now() - 1000), undefined);
    removeStalePorts(dir);
    assert.equal(readPorts(dir), undefined);
    assert.equal(dashboardUrl({ api: 8080 }), 'http://127.0.0.1:8080/');
    assert.equal(dashboardUrl({ imap: 1143 }), undefined);
  });

  it('waits for ports.json and /health', async () => {
    const dir = tempDir();
    const server = await healthServer();
    const port = (server.address() as AddressInfo).port;
    setTimeout(() => writeFileSync(join(dir, 'ports.json'), JSON.stringify({ api: port })), 100);
    try {
      const ready = await waitForReady({ dataDir: dir, intervalMs: 20, timeoutMs: 5000 });
      assert.equal(ready.url, `http://127.0.0.1:${port}/`);
      assert.equal(ready.health.backend, 'embedded');
    } finally {
      server.close();
    }
  });

  it('accepts a 503 health report (a back end is down, the dashboard still loads)', async () => {
    const dir = tempDir();
    const server = await healthServer(503);
    writeFileSync(join(dir, 'ports.json'), JSON.stringify({ api: (server.address() as AddressInfo).port }));
    try {
      const ready = await waitForReady({ dataDir: dir, intervalMs: 20, timeoutMs: 5000 });
      assert.equal(ready.health.success, false);
    } finally {
      server.close();
    }
  });

  it('gives up with the reason after the timeout', async () => {
    await assert.rejects(
      waitForReady({ dataDir: tempDir(), intervalMs: 20, timeoutMs: 150 }),
      /did not become ready: ports.json has not been written yet/,
    );
  });

  it('reads the admin token from the environment or the data folder', () => {
    const dir = tempDir();
    assert.equal(readAdminToken(dir, {}), undefined);
    writeFileSync(join(dir, 'admin-token'), 'secret-token-0123456789\n');
    assert.equal(readAdminToken(dir, {}), 'secret-token-0123456789');
    assert.equal(readAdminToken(dir, { NESTBOX_ADMIN_TOKEN: 'from-env' }), 'from-env');
  });

  it('keeps navigation on the dashboard origin and summarises status', () => {
    assert.ok(isDashboardOrigin('http://127.0.0.1:8080/#/accounts', 'http://127.0.0.1:8080/'));
    assert.ok(!isDashboardOrigin('http://127.0.0.1:8081/', 'http://127.0.0.1:8080/'));
    assert.ok(!isDashboardOrigin('not a url', 'http://127.0.0.1:8080/'));
    assert.equal(statusLine('paused', undefined), 'Services paused');
    assert.equal(statusLine('running', undefined), 'Starting…');
    assert.equal(
      statusLine('running', {
        success: true,
        services: { imap: { host: '0.0.0.0', port: 1143, tls: false } },
      }),
      'Running — imap 1143',
    );
    assert.match(statusLine('running', { success: false, error: 'Redis: down' }), /Problem: Redis: down/);
  });
});
