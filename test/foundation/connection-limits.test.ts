// IMAP and POP3 connection limits (per client address and in total) and the absolute pre-login
// timeout, over real sockets (ARCHITECTURE §6).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { RawImap } from '../imap/_client.ts';
import { RawPop3 } from '../pop3/_util.ts';
import { IMAP_MAX_CONNECTIONS_PER_IP, POP3_MAX_CONNECTIONS_PER_IP } from '../../server/limits.ts';

const PRELOGIN_MS = 3000;
let shipped: TestServer; // the limits of server/limits.ts
let small: TestServer; // a short pre-login timeout and a small total
before(async () => {
  shipped = await startTestServer({ services: ['imap', 'pop3'] });
  small = await startTestServer({
    services: ['imap', 'pop3'],
    limits: {
      connectionLimits: {
        preloginTimeoutMs: PRELOGIN_MS,
        imap: { total: 4, perIp: 3 },
        pop3: { total: 4, perIp: 3 },
      },
    },
  });
  await small.store.users.create({ username: 'quick', password: 'pw-quick-secret' });
});
after(async () => {
  await shipped.stop();
  await small.stop();
});

let nextIp = 10 + Math.floor(Math.random() * 200);
const freshIp = () => `127.4.${Math.floor(Math.random() * 250) + 1}.${(nextIp++ % 250) + 2}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function imapFrom(srv: TestServer, ip: string): Promise<{ c: RawImap; greeting: string | null }> {
  const c = await RawImap.open(srv.ports.imap!, { localAddress: ip });
  return { c, greeting: await c.response() };
}

async function pop3From(srv: TestServer, ip: string): Promise<{ c: RawPop3; greeting: string }> {
  const { client, greeting } = await RawPop3.open(srv.ports.pop3!, { localAddress: ip });
  return { c: client, greeting };
}

/** Reads until the server closes; the lines it sent on the way. */
async function untilClosed(c: RawPop3): Promise<string[]> {
  const lines: string[] = [];
  for (;;) {
    try {
      lines.push(await c.line());
    } catch {
      return lines;
    }
  }
}

test('IMAP: one address beyond its connections gets * BYE and is closed; others still get in', async () => {
  const ip = freshIp();
  const open: RawImap[] = [];
  for (let i = 0; i < IMAP_MAX_CONNECTIONS_PER_IP; i++) {
    const { c, greeting } = await imapFrom(shipped, ip);
    assert.match(greeting!, /^\* OK \[CAPABILITY .*\] Nestbox IMAP4rev1 ready$/, `connection ${i + 1}`);
    open.push(c);
  }
  const over = await imapFrom(shipped, ip);
  assert.equal(over.greeting, '* BYE [UNAVAILABLE] Too many connections from your address; try again later');
  assert.equal(await over.c.response(), null);
  const elsewhere = await imapFrom(shipped, freshIp());
  assert.match(elsewhere.greeting!, /^\* OK /);
  elsewhere.c.close();
  // a closed connection frees its place
  open.pop()!.close();
  await sleep(200);
  const again = await imapFrom(shipped, ip);
  assert.match(again.greeting!, /^\* OK /);
  again.c.close();
  for (const c of open) c.close();
});

test('POP3: one address beyond its connections gets -ERR [SYS/TEMP] and is closed', async () => {
  const ip = freshIp();
  const open: RawPop3[] = [];
  for (let i = 0; i < POP3_MAX_CONNECTIONS_PER_IP; i++) {
    const { c, greeting } = await pop3From(shipped, ip);
    assert.equal(greeting, '+OK Nestbox POP3 ready', `connection ${i + 1}`);
    open.push(c);
  }
  const over = await pop3From(shipped, ip);
  assert.equal(over.greeting, '-ERR [SYS/TEMP] too many connections from your address, try again later');
  assert.deepEqual(await untilClosed(over.c), []);
  const elsewhere = await pop3From(shipped, freshIp());
  assert.equal(elsewhere.greeting, '+OK Nestbox POP3 ready');
  elsewhere.c.close();
  for (const c of open) c.close();
});

test('IMAP and POP3: beyond the total, any address is refused', async () => {
  const held: Array<RawImap | RawPop3> = [];
  for (let i = 0; i < 4; i++) {
    const { c, greeting } = await imapFrom(small, freshIp());
    assert.match(greeting!, /^\* OK /);
    held.push(c);
  }
  const imapOver = await imapFrom(small, freshIp());
  assert.equal(imapOver.greeting, '* BYE [UNAVAILABLE] Too many connections; try again later');
  assert.equal(await imapOver.c.response(), null);
  for (let i = 0; i < 4; i++) {
    const { c, greeting } = await pop3From(small, freshIp());
    assert.equal(greeting, '+OK Nestbox POP3 ready');
    held.push(c);
  }
  const popOver = await pop3From(small, freshIp());
  assert.equal(popOver.greeting, '-ERR [SYS/TEMP] too many connections, try again later');
  assert.deepEqual(await untilClosed(popOver.c), []);
  for (const c of held) c.close();
  await sleep(200);
});

test('IMAP: a client sending NOOP every second is still cut off when the pre-login time is over', async () => {
  const { c, greeting } = await imapFrom(small, freshIp());
  assert.match(greeting!, /^\* OK /);
  const seconds = PRELOGIN_MS / 1000;
  let noops = 0;
  let bye: string | null = null;
  // a restarting timer would never fire here; 4 pre-login times of NOOPs
  for (let i = 0; i < 4 * seconds && !bye; i++) {
    c.write(`n${i} NOOP\r\n`);
    const line = await c.response(1500).catch(() => 'no answer');
    if (line !== `n${i} OK NOOP completed`) bye = line;
    else {
      noops++;
      await sleep(1000);
    }
  }
  assert.equal(bye, `* BYE Autologout; not logged in within ${seconds} seconds`);
  assert.ok(noops >= seconds - 1, `${noops} NOOPs answered before the cut`);
  assert.equal(await c.response(), null);
});

test('IMAP: a client that logs in in time is not cut off by the pre-login timer', async () => {
  const { c } = await imapFrom(small, freshIp());
  assert.match((await c.command('l', 'LOGIN quick pw-quick-secret')).at(-1)!, /^l OK/);
  await sleep(PRELOGIN_MS + 500);
  assert.deepEqual(await c.command('n', 'NOOP'), ['n OK NOOP completed']);
  c.close();
});

test('POP3: a client sending CAPA every second is still closed when AUTHORIZATION time is over', async () => {
  const { c, greeting } = await pop3From(small, freshIp());
  assert.equal(greeting, '+OK Nestbox POP3 ready');
  const seconds = PRELOGIN_MS / 1000;
  let capas = 0;
  let closed = false;
  for (let i = 0; i < 4 * seconds && !closed; i++) {
    try {
      assert.equal(await c.cmd('CAPA'), '+OK Capability list follows');
      await c.multi();
      capas++;
      await sleep(1000);
    } catch {
      closed = true;
    }
  }
  assert.ok(closed, 'the connection was closed');
  assert.ok(capas >= seconds - 1, `${capas} CAPAs answered before the cut`);
});
