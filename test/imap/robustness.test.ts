// Malformed input gets BAD and the connection goes on; limits on lines and literals; repeated abuse
// ends with BYE; a client that does not read makes the server wait instead of buffering.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { RawImap } from './_client.ts';
import { startImap, type ImapTestEnv } from './_setup.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let env: ImapTestEnv;
before(async () => {
  env = await startImap();
});
after(async () => {
  await env.srv.stop();
});

async function greeted(): Promise<RawImap> {
  const c = await RawImap.open(env.port, { localAddress: env.ip });
  await c.response();
  return c;
}

test('malformed commands get BAD, tagged when there is a tag', async () => {
  const c = await greeted();
  // an empty line is skipped (nothing to answer); a line without a tag gets an untagged BAD
  c.write('\r\n');
  c.write(' \r\n');
  assert.equal(await c.response(), '* BAD Missing or invalid tag');
  c.write('a1\r\n');
  assert.equal(await c.response(), 'a1 BAD Missing command');
  assert.deepEqual(await c.command('a2', 'LOGIN "unterminated'), ['a2 BAD Unterminated quoted string']);
  assert.deepEqual(await c.command('a3', 'LOGIN (a b'), ['a3 BAD Missing )']);
  assert.deepEqual(await c.command('a4', 'LOGIN a b)'), ['a4 BAD Unexpected )']);
  assert.deepEqual(await c.command('a5', 'LOGIN "a\\x" b'), ['a5 BAD Invalid escape in quoted string']);
  assert.deepEqual(await c.command('a6', 'LOGIN a'), ['a6 BAD Missing or invalid password']);
  assert.deepEqual(await c.command('a7', 'LOGIN a b c'), ['a7 BAD Too many arguments']);
  assert.deepEqual(await c.command('a8', 'CAPABILITY extra'), ['a8 BAD Too many arguments']);
  c.write('+x NOOP\r\n');
  assert.equal(await c.response(), '* BAD Missing or invalid tag');
  c.write(Buffer.from([0x61, 0x39, 0x20, 0x4e, 0x00, 0x4f, 0x0d, 0x0a]));
  assert.equal(await c.response(), 'a9 BAD Invalid command name');
  assert.deepEqual(await c.command('a10', 'NOOP'), ['a10 OK NOOP completed']);
  c.close();
});

test('literal limits: no continuation for an oversized literal; LITERAL+ bytes are discarded', async () => {
  const c = await greeted();
  c.write('b1 LOGIN {100000}\r\n');
  assert.equal(await c.response(), 'b1 BAD Literal too big before authentication');
  c.write(`b2 LOGIN {20000+}\r\n${'x'.repeat(20000)} pass\r\n`);
  assert.equal(await c.response(), 'b2 BAD Literal too big before authentication');
  assert.deepEqual(await c.command('b3', 'NOOP'), ['b3 OK NOOP completed']);
  c.close();
  const d = await env.login();
  d.write('c1 SEARCH TEXT {300000}\r\n');
  assert.equal(await d.response(), 'c1 BAD Literal too big');
  d.write('c2 APPEND INBOX {70000000+}\r\n');
  assert.equal(await d.response(), 'c2 NO [TOOBIG] Message larger than the APPENDLIMIT of 67108864 bytes');
  // the announced bytes are read into the void (in pieces, as a client would send them)
  const piece = Buffer.alloc(1024 * 1024, 0x61);
  for (let sent = 0; sent < 70000000; sent += piece.length)
    d.write(sent + piece.length <= 70000000 ? piece : piece.subarray(0, 70000000 - sent));
  d.write('\r\n');
  assert.deepEqual(await d.command('c3', 'NOOP', 30000), ['c3 OK NOOP completed']);
  d.close();
});

test('a line over the limit is BAD and the connection goes on', async () => {
  const c = await greeted();
  c.write(`d1 LOGIN ${'y'.repeat(300 * 1024)}\r\n`);
  // RFC 3501 §7.1.3: the tag was readable, so the BAD is tagged
  assert.equal(await c.response(), 'd1 BAD Line too long');
  assert.deepEqual(await c.command('d2', 'NOOP'), ['d2 OK NOOP completed']);
  c.close();
});

test('20 invalid commands in a row end the connection with BYE', async () => {
  const c = await greeted();
  for (let i = 0; i < 19; i++)
    assert.deepEqual(await c.command(`e${i}`, 'BOGUS'), [`e${i} BAD Unknown command BOGUS`]);
  c.write('e19 BOGUS\r\n');
  assert.equal(await c.response(), 'e19 BAD Unknown command BOGUS');
  assert.equal(await c.response(), '* BYE Too many invalid commands');
  assert.equal(await c.response(), null);
});

test('pipelined commands are answered in order', async () => {
  const c = await env.login();
  c.write('p1 NOOP\r\np2 SELECT INBOX\r\np3 CAPABILITY\r\np4 BOGUS\r\np5 LOGOUT\r\n');
  const all: string[] = [];
  for (;;) {
    const r = await c.response();
    if (r === null) break;
    all.push(r);
  }
  const tagged = all.filter((l) => /^p\d /.test(l)).map((l) => l.split(' ').slice(0, 2).join(' '));
  assert.deepEqual(tagged, ['p1 OK', 'p2 OK', 'p3 OK', 'p4 BAD', 'p5 OK']);
});

test('a client that does not read: the server waits on the socket instead of buffering the mailbox', async () => {
  const box = await env.srv.store.mailboxes.create(env.user.id, 'Big');
  const body = Buffer.alloc(1024 * 1024, 0x62);
  const raw = Buffer.concat([Buffer.from('Subject: big\r\n\r\n'), body]);
  const n = 24;
  for (let i = 0; i < n; i += 6) {
    await Promise.all(
      Array.from({ length: 6 }, () =>
        env.srv.store.messages.add({ user: env.user.id, mailbox: box.id, raw }),
      ),
    );
  }
  const c = await env.login();
  await c.command('s', 'SELECT Big');
  gc();
  const before = process.memoryUsage().arrayBuffers;
  c.write('f1 FETCH 1:* BODY.PEEK[]\r\n');
  c.socket.pause();
  await new Promise((r) => setTimeout(r, 2000));
  // the least of a few readings: a reply the database driver is still handing over, or garbage a
  // collection has not reached yet, is not memory the server keeps for this client
  let held = Infinity;
  for (let i = 0; i < 4; i++) {
    gc();
    held = Math.min(held, process.memoryUsage().arrayBuffers - before);
    await new Promise((r) => setTimeout(r, 250));
  }
  c.socket.resume();
  const out = await c.until('f1', 60000);
  assert.equal(out.length, n + 1);
  assert.equal(out[n], 'f1 OK FETCH completed');
  for (let i = 0; i < n; i++)
    assert.equal(out[i]!.length, `* ${i + 1} FETCH (BODY[] {${raw.length}}\r\n`.length + raw.length + 1);
  // 24 MB were asked for; what sits in memory while the client does not read is a few socket buffers
  assert.ok(held < 8 * 1024 * 1024, `server held ${held} bytes while the client was not reading`);
  c.close();
});
