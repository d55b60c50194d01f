// Greeting, CAPABILITY, LOGIN / AUTHENTICATE (PLAIN, LOGIN, SASL-IR), STARTTLS, implicit TLS and
// LOGINDISABLED, over raw sockets with complete responses asserted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { requestLogout } from '../../server/auth/logout.ts';
import { RawImap } from './_client.ts';
import { startImap, type ImapTestEnv } from './_setup.ts';

let env: ImapTestEnv;
before(async () => {
  env = await startImap();
});
after(async () => {
  await env.srv.stop();
});

const LIMIT = 64 * 1024 * 1024;
const COMMON = `SASL-IR LITERAL+ ID ENABLE IDLE NAMESPACE UNSELECT UIDPLUS MOVE SPECIAL-USE CHILDREN ESEARCH SEARCHRES WITHIN SORT SORT=DISPLAY ESORT CONTEXT=SEARCH CONTEXT=SORT THREAD=ORDEREDSUBJECT THREAD=REFERENCES LIST-EXTENDED LIST-STATUS CREATE-SPECIAL-USE MULTIAPPEND BINARY CATENATE COMPRESS=DEFLATE APPENDLIMIT=${LIMIT} CONDSTORE QRESYNC STATUS=SIZE QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE`;
const PREAUTH = `IMAP4rev1 STARTTLS AUTH=PLAIN AUTH=LOGIN ${COMMON}`;
const AUTHED = `IMAP4rev1 ${COMMON}`;
const b64 = (s: string) => Buffer.from(s).toString('base64');

test('greeting and CAPABILITY before and after login', async () => {
  const c = await RawImap.open(env.port, { localAddress: env.ip });
  assert.equal(await c.response(), `* OK [CAPABILITY ${PREAUTH}] Nestbox IMAP4rev1 ready`);
  assert.deepEqual(await c.command('a1', 'CAPABILITY'), [
    `* CAPABILITY ${PREAUTH}`,
    'a1 OK CAPABILITY completed',
  ]);
  assert.deepEqual(await c.command('a2', `LOGIN alice ${env.user.password}`), [
    `a2 OK [CAPABILITY ${AUTHED}] Logged in`,
  ]);
  assert.deepEqual(await c.command('a3', 'capability'), [
    `* CAPABILITY ${AUTHED}`,
    'a3 OK CAPABILITY completed',
  ]);
  assert.deepEqual(await c.command('a4', 'LOGOUT'), ['* BYE Nestbox logging out', 'a4 OK LOGOUT completed']);
  assert.equal(await c.response(), null);
});

test('LOGIN by address in any case, quoted and literal arguments; wrong password', async () => {
  const c = await RawImap.open(env.port, { localAddress: env.ip });
  await c.response();
  assert.deepEqual(await c.command('a1', 'LOGIN alice wrong'), [
    'a1 NO [AUTHENTICATIONFAILED] Invalid credentials',
  ]);
  assert.deepEqual(await c.command('a2', 'LOGIN "ALICE@Example.TEST" "nope"'), [
    'a2 NO [AUTHENTICATIONFAILED] Invalid credentials',
  ]);
  c.write(`a3 LOGIN {18}\r\n`);
  assert.equal(await c.response(), '+ Ready for literal data');
  c.write(`ALICE@EXAMPLE.TEST {${env.user.password.length}+}\r\n${env.user.password}\r\n`);
  assert.deepEqual(await c.until('a3'), [`a3 OK [CAPABILITY ${AUTHED}] Logged in`]);
  assert.deepEqual(await c.command('a4', 'LOGIN alice x'), ['a4 BAD Command not valid in this state']);
  c.close();
});

test('application passwords log in over IMAP', async () => {
  const { password } = await env.srv.store.users.createAsp(env.user.id, {
    description: 'phone',
    scopes: ['imap'],
  });
  const c = await RawImap.open(env.port, { localAddress: env.ip });
  await c.response();
  assert.deepEqual(await c.command('a1', `LOGIN alice "${password}"`), [
    `a1 OK [CAPABILITY ${AUTHED}] Logged in`,
  ]);
  c.close();
});

test('AUTHENTICATE PLAIN with and without an initial response; LOGIN mechanism; cancel', async () => {
  const c = await RawImap.open(env.port, { localAddress: env.ip });
  await c.response();
  const plain = b64(`\0alice\0${env.user.password}`);
  c.write('a1 AUTHENTICATE PLAIN\r\n');
  assert.equal(await c.response(), '+ ');
  c.write('*\r\n');
  assert.deepEqual(await c.until('a1'), ['a1 BAD Authentication cancelled']);
  c.write('a2 AUTHENTICATE PLAIN\r\n');
  assert.equal(await c.response(), '+ ');
  c.write(`${b64('\0alice\0bad')}\r\n`);
  assert.deepEqual(await c.until('a2'), ['a2 NO [AUTHENTICATIONFAILED] Invalid credentials']);
  assert.deepEqual(await c.command('a3', 'AUTHENTICATE PLAIN !!!'), [
    'a3 BAD Invalid base64 in authentication response',
  ]);
  assert.deepEqual(await c.command('a4', 'AUTHENTICATE CRAM-MD5'), [
    'a4 NO [CANNOT] Unsupported authentication mechanism',
  ]);
  assert.deepEqual(await c.command('a5', `AUTHENTICATE PLAIN ${plain}`), [
    `a5 OK [CAPABILITY ${AUTHED}] Logged in`,
  ]);
  c.close();

  const d = await RawImap.open(env.port, { localAddress: env.ip });
  await d.response();
  d.write('b1 AUTHENTICATE PLAIN\r\n');
  assert.equal(await d.response(), '+ ');
  d.write(`${plain}\r\n`);
  assert.deepEqual(await d.until('b1'), [`b1 OK [CAPABILITY ${AUTHED}] Logged in`]);
  d.close();

  const e = await RawImap.open(env.port, { localAddress: env.ip });
  await e.response();
  e.write(`c1 AUTHENTICATE LOGIN ${b64('Alice@example.test')}\r\n`);
  assert.equal(await e.response(), `+ ${b64('Password:')}`);
  e.write(`${b64(env.user.password)}\r\n`);
  assert.deepEqual(await e.until('c1'), [`c1 OK [CAPABILITY ${AUTHED}] Logged in`]);
  e.close();

  const f = await RawImap.open(env.port, { localAddress: env.ip });
  await f.response();
  f.write('d1 AUTHENTICATE LOGIN\r\n');
  assert.equal(await f.response(), `+ ${b64('Username:')}`);
  f.write(`${b64('alice')}\r\n`);
  assert.equal(await f.response(), `+ ${b64('Password:')}`);
  f.write(`${b64(env.user.password)}\r\n`);
  assert.deepEqual(await f.until('d1'), [`d1 OK [CAPABILITY ${AUTHED}] Logged in`]);
  f.close();
});

test('commands outside their state are BAD; the connection goes on', async () => {
  const c = await RawImap.open(env.port, { localAddress: env.ip });
  await c.response();
  assert.deepEqual(await c.command('a1', 'SELECT INBOX'), ['a1 BAD Log in first']);
  assert.deepEqual(await c.command('a2', 'FETCH 1 FLAGS'), ['a2 BAD Log in first']);
  assert.deepEqual(await c.command('a3', 'NOOP'), ['a3 OK NOOP completed']);
  c.close();
  const d = await env.login();
  assert.deepEqual(await d.command('b1', 'FETCH 1 FLAGS'), ['b1 BAD No mailbox selected']);
  assert.deepEqual(await d.command('b2', 'STARTTLS'), ['b2 BAD Command not valid in this state']);
  d.close();
});

test('STARTTLS: pipelined commands after it are discarded; CAPABILITY changes', async () => {
  const c = await RawImap.open(env.port, { localAddress: env.ip });
  await c.response();
  // the NOOP rides in the same packet as STARTTLS and must never run (RFC 3501 §6.2.1)
  c.write('t1 STARTTLS\r\nt2 NOOP\r\n');
  assert.deepEqual(await c.until('t1'), ['t1 OK Begin TLS negotiation now']);
  const s = await RawImap.upgrade(c);
  const caps = `IMAP4rev1 AUTH=PLAIN AUTH=LOGIN ${COMMON}`;
  assert.deepEqual(await s.command('t3', 'CAPABILITY'), [
    `* CAPABILITY ${caps}`,
    't3 OK CAPABILITY completed',
  ]);
  assert.deepEqual(await s.command('t4', 'STARTTLS'), ['t4 BAD TLS is already active']);
  assert.deepEqual(await s.command('t5', `LOGIN alice ${env.user.password}`), [
    `t5 OK [CAPABILITY ${AUTHED}] Logged in`,
  ]);
  s.close();
});

test('implicit TLS port', async () => {
  const c = await RawImap.open(env.tlsPort, { tls: true, localAddress: env.ip });
  assert.equal(
    await c.response(),
    `* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=LOGIN ${COMMON}] Nestbox IMAP4rev1 ready`,
  );
  assert.deepEqual(await c.command('a1', `LOGIN alice ${env.user.password}`), [
    `a1 OK [CAPABILITY ${AUTHED}] Logged in`,
  ]);
  c.close();
});

test('plaintextAuth=never: LOGINDISABLED before STARTTLS, login refused, allowed after it', async () => {
  const strict = await startImap({ NESTBOX_PLAINTEXT_AUTH: 'never' });
  try {
    const c = await RawImap.open(strict.port, { localAddress: strict.ip });
    assert.equal(
      await c.response(),
      `* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED ${COMMON}] Nestbox IMAP4rev1 ready`,
    );
    const refused = 'NO [PRIVACYREQUIRED] Plaintext authentication is disabled here; use STARTTLS first';
    assert.deepEqual(await c.command('a1', `LOGIN alice ${strict.user.password}`), [`a1 ${refused}`]);
    assert.deepEqual(await c.command('a2', `AUTHENTICATE PLAIN ${b64('\0alice\0x')}`), [`a2 ${refused}`]);
    assert.deepEqual(await c.command('a3', 'STARTTLS'), ['a3 OK Begin TLS negotiation now']);
    const s = await RawImap.upgrade(c);
    assert.deepEqual(await s.command('a4', `LOGIN alice ${strict.user.password}`), [
      `a4 OK [CAPABILITY ${AUTHED}] Logged in`,
    ]);
    s.close();
  } finally {
    await strict.srv.stop();
  }
});

test('repeated failures are throttled with [UNAVAILABLE]; too many on one connection end it', async () => {
  const victim = await env.newUser('mallory');
  let last: string[] = [];
  const c = await RawImap.open(env.port, { localAddress: env.ip });
  await c.response();
  for (let i = 0; i < 3; i++)
    assert.deepEqual(await c.command(`f${i}`, 'LOGIN mallory wrong'), [
      `f${i} NO [AUTHENTICATIONFAILED] Invalid credentials`,
    ]);
  assert.equal(await c.response(), '* BYE Too many failed logins');
  assert.equal(await c.response(), null);
  for (let i = 0; i < 10; i++) {
    const d = await RawImap.open(env.port, { localAddress: env.ip });
    await d.response();
    last = await d.command('g', `LOGIN mallory ${i < 8 ? 'wrong' : victim.password}`);
    d.close();
  }
  assert.match(last[0]!, /^g NO \[UNAVAILABLE\] Too many failed logins; try again in \d+ seconds$/);
});

test('a logout request for the user (API, password change) ends its sessions with BYE', async () => {
  const other = await env.newUser('carol');
  const mine = await env.login();
  const theirs = await env.login({ username: 'carol' });
  await requestLogout(env.srv.server.ctx.backends.redis, env.srv.store.keys, {
    user: other.id,
    reason: 'Password changed',
  });
  assert.equal(await theirs.response(), '* BYE Password changed');
  assert.equal(await theirs.response(), null);
  assert.deepEqual(await mine.command('n1', 'NOOP'), ['n1 OK NOOP completed']);
  mine.close();
});

test('server shutdown says BYE to idle sessions and to IDLE, then closes', async () => {
  const own = await startImap();
  const a = await own.login();
  const b = await own.login();
  await b.command('s', 'SELECT INBOX');
  b.write('i IDLE\r\n');
  assert.equal(await b.response(), '+ idling');
  const stopping = own.srv.stop();
  assert.equal(await a.response(), '* BYE Server shutting down');
  assert.equal(await a.response(), null);
  assert.deepEqual(await b.until('i'), ['i OK IDLE terminated by shutdown']);
  assert.equal(await b.response(), '* BYE Server shutting down');
  assert.equal(await b.response(), null);
  await stopping;
});
