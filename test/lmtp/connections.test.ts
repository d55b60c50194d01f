// Who can reach LMTP and how many at once: loopback unless `lmtpHost` names another address, and
// past LMTP_MAX_CONNECTIONS a new connection is answered 421 4.7.0 and closed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { startTestServer } from '../helpers/server.ts';
import { LMTP_MAX_CONNECTIONS } from '../../server/limits.ts';
import { loadConfig } from '../../server/config/index.ts';

/** Connects and resolves with the first reply line (the greeting or a refusal). */
function greet(port: number, host = '127.0.0.1'): Promise<{ sock: Socket; line: string }> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, host);
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      const i = buf.indexOf('\r\n');
      if (i >= 0) resolve({ sock, line: buf.slice(0, i) });
    });
    sock.on('error', reject);
  });
}

const closed = (sock: Socket) =>
  new Promise<void>((r) => (sock.destroyed ? r() : sock.once('close', () => r())));

test('LMTP binds to loopback by default, even when IMAP and POP3 bind to every interface', async () => {
  const cfg = loadConfig({ env: { NESTBOX_DATA_DIR: '/nonexistent-nestbox' } });
  assert.equal(cfg.host, '0.0.0.0');
  assert.equal(cfg.lmtpHost, '127.0.0.1');
  const srv = await startTestServer({ services: ['lmtp', 'api'], env: { NESTBOX_HOST: '0.0.0.0' } });
  try {
    const lmtp = srv.server.ctx.listeners().find((l) => l.name === 'lmtp');
    assert.equal(lmtp?.host, '127.0.0.1');
    // the dashboard's settings list shows it
    const res = await fetch(`http://127.0.0.1:${srv.ports.api}/settings`, {
      headers: { 'X-Access-Token': srv.adminToken },
    });
    const body = (await res.json()) as { settings: Array<{ key: string; value: unknown; env: string }> };
    const setting = body.settings.find((s) => s.key === 'lmtpHost');
    assert.deepEqual(setting && { value: setting.value, env: setting.env }, {
      value: '127.0.0.1',
      env: 'NESTBOX_LMTP_HOST',
    });
  } finally {
    await srv.stop();
  }
});

test('lmtpHost moves LMTP to the address it names', async () => {
  const srv = await startTestServer({ services: ['lmtp'], env: { NESTBOX_LMTP_HOST: '127.0.0.2' } });
  try {
    const { sock, line } = await greet(srv.ports.lmtp!, '127.0.0.2');
    assert.match(line, /^220 /);
    sock.destroy();
    await assert.rejects(greet(srv.ports.lmtp!, '127.0.0.1'), /ECONNREFUSED/);
  } finally {
    await srv.stop();
  }
});

test(`connection ${LMTP_MAX_CONNECTIONS + 1} is refused 421 4.7.0; a freed slot is usable again`, async () => {
  const srv = await startTestServer({ services: ['lmtp'] });
  const open: Socket[] = [];
  try {
    for (let i = 0; i < LMTP_MAX_CONNECTIONS; i++) {
      const { sock, line } = await greet(srv.ports.lmtp!);
      assert.match(line, /^220 /, `connection ${i + 1}`);
      open.push(sock);
    }
    const extra = await greet(srv.ports.lmtp!);
    assert.match(extra.line, /^421 4\.7\.0 .*too many connections/);
    await closed(extra.sock); // the server closes it
    const first = open.shift()!;
    first.destroy();
    await new Promise((r) => setTimeout(r, 200));
    const again = await greet(srv.ports.lmtp!);
    assert.match(again.line, /^220 /);
    open.push(again.sock);
  } finally {
    for (const s of open) s.destroy();
    await srv.stop();
  }
});
