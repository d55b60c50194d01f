// `nestbox serve` from a fresh clone's state: no built dashboard. The server builds it in the
// background, explains itself at `/` meanwhile, then serves the dashboard; and its log says where
// every listener is.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnServer } from '../helpers/server-process.ts';
import { startTestServer } from '../helpers/server.ts';
import { testEnv } from '../helpers/backends.ts';

const { mongodbUri, redisUrl } = testEnv();
const scratch = mkdtempSync(join(tmpdir(), 'nestbox-dash-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test('serve without a built dashboard builds it and then answers the dashboard at /; one log line per listener', async () => {
  const dist = join(scratch, 'dist');
  assert.equal(existsSync(dist), false);
  const srv = spawnServer({
    MONGODB_URI: mongodbUri,
    REDIS_URL: redisUrl,
    NESTBOX_DASHBOARD_DIR: dist,
    NESTBOX_DASHBOARD_BUILD: 'auto',
  });
  try {
    const ports = await srv.ready();
    const base = `http://127.0.0.1:${ports.api}`;
    let res = await fetch(`${base}/`);
    if (res.status === 503) {
      const text = await res.text();
      assert.match(text, /the dashboard is being built/);
      assert.match(text, /has no index\.html/);
    }
    const deadline = Date.now() + 240_000;
    while (res.status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      res = await fetch(`${base}/`);
    }
    assert.equal(res.status, 200, srv.output());
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    const html = await res.text();
    assert.match(html, /<title>Nestbox<\/title>/);
    assert.match(html, /<div id="app"><\/div>/);
    const script = /<script type="module" crossorigin src="\.\/(assets\/[^"]+\.js)"/.exec(html);
    assert.ok(script, html);
    const asset = await fetch(`${base}/${script[1]}`);
    assert.equal(asset.status, 200);
    assert.ok((await asset.text()).length > 1000);
    assert.ok(existsSync(join(dist, 'index.html')));

    const out = srv.output();
    assert.match(out, /building the dashboard \(.*has no index\.html\)/);
    const lines = [
      `IMAP listening on 127.0.0.1:${ports.imap} (STARTTLS)`,
      `IMAPS listening on 127.0.0.1:${ports.imaps} (TLS)`,
      `POP3 listening on 127.0.0.1:${ports.pop3} (STARTTLS)`,
      `POP3S listening on 127.0.0.1:${ports.pop3s} (TLS)`,
      `LMTP listening on 127.0.0.1:${ports.lmtp} (STARTTLS)`,
      `API and dashboard listening on http://127.0.0.1:${ports.api}/`,
    ];
    for (const line of lines) assert.ok(out.includes(line), `${line}\n---\n${out}`);
  } finally {
    srv.child.kill('SIGTERM');
    await srv.exited;
    srv.cleanup();
  }
});

test('without a built dashboard and without serve building it, / says how to build it instead of a 404', async () => {
  const srv = await startTestServer({
    services: ['api'],
    env: { NESTBOX_DASHBOARD_DIR: join(scratch, 'empty') },
  });
  try {
    const res = await fetch(`http://127.0.0.1:${srv.ports.api}/`);
    assert.equal(res.status, 503);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await res.text(), /has no index\.html: run <code>npm run build:renderer<\/code>/);
    // the API around it is untouched
    assert.equal((await fetch(`http://127.0.0.1:${srv.ports.api}/nothing-here`)).status, 404);
  } finally {
    await srv.stop();
  }
});
