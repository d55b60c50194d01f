// IMAP log lines name their protocol, client address and user (docs/ARCHITECTURE.md §6), as POP3's
// and LMTP's do: a store failure during a command is logged once, with who and from where.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { start as startImap } from '../../server/imap/service.ts';
import type { RunningService } from '../../server/service.ts';
import type { Store } from '../../server/store/index.ts';
import { RawImap } from './_client.ts';

let srv: TestServer;
let imap: RunningService;
let port: number;

before(async () => {
  srv = await startTestServer({ services: [] });
  await srv.store.users.create({ username: 'logged', password: 'pw-logged', address: 'logged@example.test' });
  // the server's own store, with SEARCH failing as a broken back end would make it fail
  const messages = new Proxy(srv.store.messages, {
    get(target, key) {
      if (key === 'search') return () => Promise.reject(new Error('injected search failure'));
      const v = Reflect.get(target, key) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  const store = new Proxy(srv.store, {
    get: (target, key) => (key === 'messages' ? messages : (Reflect.get(target, key) as unknown)),
  }) as Store;
  imap = await startImap({ ...srv.server.ctx, store });
  port = imap.listeners.find((l) => l.name === 'imap')!.port;
});
after(async () => {
  await imap?.close();
  await srv?.stop();
});

test('a failed command is logged with protocol imap, the client address and the user', async () => {
  const c = await RawImap.open(port, { localAddress: '127.0.0.9' });
  try {
    await c.response();
    const login = await c.command('a1', 'LOGIN logged pw-logged');
    assert.match(login.at(-1)!, /^a1 OK/);
    assert.match((await c.command('a2', 'SELECT INBOX')).at(-1)!, /^a2 OK/);
    const r = await c.command('a3', 'SEARCH TEXT hello');
    assert.match(r.at(-1)!, /^a3 (NO|BAD) /, 'the client gets a tagged error');
    // the session goes on
    assert.match((await c.command('a4', 'NOOP')).at(-1)!, /^a4 OK/);
  } finally {
    c.close();
  }
  const line = srv.server.ctx.ring.recent().find((e) => e.msg === 'imap command failed');
  assert.ok(line, 'the failure was logged');
  assert.equal(line.protocol, 'imap');
  assert.equal(line.user, 'logged');
  assert.match(String(line.remote), /127\.0\.0\.9$/);
  assert.match(String(line.command), /SEARCH/i);
});
