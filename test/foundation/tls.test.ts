import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer, connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { loadConfig } from '../../server/config/index.ts';
import { loadTls } from '../../server/tls.ts';

test('without configured PEM files a self-signed pair is generated once and serves TLS', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nestbox-tls-'));
  const config = loadConfig({ env: { NESTBOX_DATA_DIR: dataDir } });
  const first = await loadTls(config);
  assert.equal(first.origin, 'self-signed');
  assert.equal(statSync(join(dataDir, 'tls', 'key.pem')).mode & 0o777, 0o600);
  const x509 = new X509Certificate(first.cert);
  assert.ok(x509.subjectAltName?.includes('IP Address:127.0.0.1'));
  assert.ok(new Date(x509.validTo).getTime() > Date.now() + 5 * 365 * 24 * 3600 * 1000);
  const second = await loadTls(config);
  assert.equal(second.cert, first.cert, 'the pair is reused on the next start');

  const server = createServer({ key: first.key, cert: first.cert }, (s) => s.end('hello\n'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const got = await new Promise<string>((resolve, reject) => {
    const sock = connect(
      { host: '127.0.0.1', port, ca: first.cert, servername: 'localhost' },
      () => undefined,
    );
    let data = '';
    sock.on('data', (d: Buffer) => (data += d.toString()));
    sock.on('end', () => resolve(data));
    sock.on('error', reject);
  });
  server.close();
  assert.equal(got, 'hello\n', 'a client verifying against the generated certificate connects');
});

test('configured PEM files are used as they are; a missing one is a clear error', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nestbox-tls-'));
  const generated = await loadTls(loadConfig({ env: { NESTBOX_DATA_DIR: dataDir } }));
  const cert = join(dataDir, 'tls', 'cert.pem');
  const key = join(dataDir, 'tls', 'key.pem');
  const configured = await loadTls(
    loadConfig({
      env: {
        NESTBOX_DATA_DIR: mkdtempSync(join(tmpdir(), 'nestbox-tls-')),
        NESTBOX_TLS_CERT: cert,
        NESTBOX_TLS_KEY: key,
      },
    }),
  );
  assert.equal(configured.origin, 'configured');
  assert.equal(configured.cert, readFileSync(cert, 'utf8'));
  assert.equal(configured.cert, generated.cert);
  await assert.rejects(
    loadTls(
      loadConfig({
        env: { NESTBOX_DATA_DIR: dataDir, NESTBOX_TLS_CERT: cert, NESTBOX_TLS_KEY: '/nonexistent/key.pem' },
      }),
    ),
    {
      name: 'UserError',
      message:
        'cannot read the TLS key /nonexistent/key.pem (ENOENT): point --tls-key / NESTBOX_TLS_KEY at a ' +
        'readable PEM file, or unset both TLS settings for a self-signed pair',
    },
  );
});
