// COMPRESS=DEFLATE (RFC 4978): raw DEFLATE both ways after the tagged OK, on a plain connection
// and on top of TLS; NO [COMPRESSIONACTIVE] when repeated. A raw client that inflates what it
// reads and deflates what it sends; whole responses asserted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { RawImap } from './_client.ts';
import { startImap, type ImapTestEnv } from './_setup.ts';

let env: ImapTestEnv;
before(async () => {
  env = await startImap();
  const c = await env.login();
  for (let i = 0; i < 40; i++)
    assert.deepEqual(await c.command('s', `CREATE Project/Folder${i}`), ['s OK CREATE completed']);
  c.close();
});
after(async () => {
  await env.srv.stop();
});

const FOLDERS = Array.from({ length: 40 }, (_, i) => `Folder${i}`)
  .sort()
  .map((f) => `* LIST (\\HasNoChildren) "/" "Project/${f}"`);

async function exercise(c: RawImap, tag: string): Promise<void> {
  assert.deepEqual(await c.command(`${tag}1`, 'NOOP'), [`${tag}1 OK NOOP completed`]);
  const before = c.wireBytes;
  const list = await c.command(`${tag}2`, 'LIST "" Project/%');
  assert.deepEqual(list, [...FOLDERS, `${tag}2 OK LIST completed`]);
  // the listing crossed the wire deflated: far fewer bytes than its text
  const text = list.join('\r\n').length;
  assert.ok(c.wireBytes - before < text / 3, `${c.wireBytes - before} bytes on the wire for ${text}`);
  // a literal from the client goes through the deflater too
  const msg = 'Subject: squeezed\r\n\r\n' + 'hello '.repeat(200) + '\r\n';
  assert.match(
    (await c.command(`${tag}3`, `APPEND INBOX {${msg.length}+}\r\n${msg}`)).at(-1)!,
    new RegExp(`^${tag}3 OK \\[APPENDUID`),
  );
  assert.deepEqual(await c.command(`${tag}4`, 'COMPRESS DEFLATE'), [
    `${tag}4 NO [COMPRESSIONACTIVE] Compression is already active`,
  ]);
  assert.deepEqual(await c.command(`${tag}5`, 'LOGOUT'), [
    '* BYE Nestbox logging out',
    `${tag}5 OK LOGOUT completed`,
  ]);
  assert.equal(await c.response(), null);
}

test('RFC 4978 §3: COMPRESS DEFLATE, then every command and response is deflated', async () => {
  const plain = await env.login();
  assert.deepEqual(await plain.command('a0', 'COMPRESS DEFLATE'), ['a0 OK DEFLATE active']);
  await exercise(RawImap.compress(plain), 'a');
});

test('RFC 4978 §3: compression on top of TLS (implicit TLS and STARTTLS)', async () => {
  const tls = await RawImap.open(env.tlsPort, { tls: true, localAddress: env.ip });
  await tls.response();
  assert.match((await tls.command('b0', `LOGIN alice ${env.user.password}`)).at(-1)!, /^b0 OK /);
  assert.deepEqual(await tls.command('b1', 'COMPRESS DEFLATE'), ['b1 OK DEFLATE active']);
  await exercise(RawImap.compress(tls), 'b');

  const plain = await env.open();
  assert.deepEqual(await plain.command('c0', 'STARTTLS'), ['c0 OK Begin TLS negotiation now']);
  const upgraded = await RawImap.upgrade(plain);
  assert.match((await upgraded.command('c1', `LOGIN alice ${env.user.password}`)).at(-1)!, /^c1 OK /);
  assert.deepEqual(await upgraded.command('c2', 'COMPRESS DEFLATE'), ['c2 OK DEFLATE active']);
  await exercise(RawImap.compress(upgraded), 'c');
});

test('COMPRESS errors: unknown algorithm, missing argument, before login', async () => {
  const c = await env.login();
  assert.deepEqual(await c.command('d1', 'COMPRESS GZIP'), ['d1 BAD Unknown compression algorithm: GZIP']);
  assert.deepEqual(await c.command('d2', 'COMPRESS'), ['d2 BAD Missing or invalid compression algorithm']);
  assert.deepEqual(await c.command('d3', 'COMPRESS DEFLATE extra'), ['d3 BAD Too many arguments']);
  assert.deepEqual(await c.command('d4', 'NOOP'), ['d4 OK NOOP completed']);
  c.close();
  const anon = await env.open();
  assert.deepEqual(await anon.command('d5', 'COMPRESS DEFLATE'), ['d5 BAD Log in first']);
  anon.close();
});

test('garbage instead of deflated input ends the connection, not the server', async () => {
  const c = await env.login();
  assert.deepEqual(await c.command('e0', 'COMPRESS DEFLATE'), ['e0 OK DEFLATE active']);
  c.write('e1 NOOP\r\n'); // not deflated
  const rest = await c.drain(2000);
  assert.ok(c.closed, `still open after ${JSON.stringify(rest)}`);
  const d = await env.login();
  assert.deepEqual(await d.command('e2', 'NOOP'), ['e2 OK NOOP completed']);
  d.close();
});

test('a compressed stream that ends early or after LOGOUT leaves the server running', async () => {
  for (let i = 0; i < 3; i++) {
    const c = await env.login();
    assert.deepEqual(await c.command(`f${i}`, 'COMPRESS DEFLATE'), [`f${i} OK DEFLATE active`]);
    const z = RawImap.compress(c);
    if (i === 0) {
      // the start of a deflate stream with no end, then the connection is gone
      c.write(Buffer.from([0x0a, 0x49, 0xcd]));
      c.socket.end();
    } else {
      assert.deepEqual(await z.command(`g${i}`, 'LOGOUT'), [
        '* BYE Nestbox logging out',
        `g${i} OK LOGOUT completed`,
      ]);
    }
    await new Promise((resolve) => c.socket.once('close', resolve));
  }
  // an error of a stream nobody listens to any more would surface (and fail this file) by now
  await new Promise((resolve) => setTimeout(resolve, 500));
  const d = await env.login();
  assert.deepEqual(await d.command('f9', 'NOOP'), ['f9 OK NOOP completed']);
  d.close();
});
