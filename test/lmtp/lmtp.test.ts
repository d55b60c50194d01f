// LMTP over real sockets with real clients: nodemailer's LMTP transport (per-recipient replies of a
// pipelined 50-recipient transaction), swaks, raw protocol checks, and the stored bytes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createTransport } from 'nodemailer';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { lmtpTalk, makeUser, mailboxRaw } from './_util.ts';
import { Filters } from '../../server/store/filters.ts';

const run = promisify(execFile);
let srv: TestServer;

before(async () => {
  srv = await startTestServer({ services: ['lmtp'], env: { NESTBOX_MAX_MESSAGE_SIZE: '200000' } });
});
after(async () => {
  await srv?.stop();
});

function lmtp() {
  return createTransport({ host: '127.0.0.1', port: srv.ports.lmtp!, lmtp: true, ignoreTLS: true });
}

const message = (subject: string, body = 'Hello.\r\n') =>
  Buffer.from(
    `From: Alice <alice@remote.test>\r\nTo: someone@example.test\r\nSubject: ${subject}\r\n` +
      `Message-ID: <${subject.replace(/\W/g, '')}@remote.test>\r\n\r\n${body}`,
  );

test('a pipelined 50-recipient transaction gets one reply per recipient, in order (nodemailer)', async () => {
  const normal = await Promise.all(Array.from({ length: 20 }, (_, i) => makeUser(srv.store, `n${i}`)));
  const full = await Promise.all(
    Array.from({ length: 5 }, (_, i) => makeUser(srv.store, `q${i}`, { quota: 64 })),
  );
  const rcpts = [
    ...normal.map((u) => u.address!),
    ...normal.map((u) => u.address!.replace('@', '+tag@')),
    ...full.map((u) => u.address!),
    ...Array.from({ length: 5 }, (_, i) => `nobody${i}@example.test`),
  ];
  assert.equal(rcpts.length, 50);
  const raw = message('fifty', 'Body line\r\n.dot-stuffed line\r\nlast\r\n');
  const info = await lmtp().sendMail({ envelope: { from: 'alice@remote.test', to: rcpts }, raw });
  assert.deepEqual([...info.accepted].sort(), rcpts.slice(0, 40).sort());
  assert.deepEqual([...info.rejected].sort(), rcpts.slice(40).sort());
  const errors = (info.rejectedErrors ?? []) as Array<Error & { recipient: string; response: string }>;
  const byRcpt = new Map(errors.map((e) => [e.recipient, e.response]));
  for (const a of rcpts.slice(40, 45)) assert.match(byRcpt.get(a) ?? '', /^552 5\.2\.2 /, a);
  for (const a of rcpts.slice(45)) assert.match(byRcpt.get(a) ?? '', /^550 5\.1\.1 /, a);
  // every accepted recipient has its own copy with its own trace headers, then the exact bytes
  for (const u of normal) {
    const got = await mailboxRaw(srv.store, u.id);
    assert.equal(got.length, 2);
    const expected = [u.address!, u.address!.replace('@', '+tag@')].map((rcpt) =>
      Buffer.concat([Buffer.from(`Return-Path: <alice@remote.test>\r\nDelivered-To: ${rcpt}\r\n`), raw]),
    );
    assert.deepEqual(
      got.map((b) => b.toString('latin1')).sort(),
      expected.map((b) => b.toString('latin1')).sort(),
    );
    assert.ok(
      got.some((b) => b.includes('\r\n.dot-stuffed line\r\n')),
      'dot-unstuffed',
    );
  }
  for (const u of full) assert.equal((await mailboxRaw(srv.store, u.id)).length, 0);
});

const talk = (script: string, until: (replies: string[]) => boolean) =>
  lmtpTalk(srv.ports.lmtp!, script, until);

test('LHLO advertises the RFC 2033 extensions; MAIL takes SIZE/BODY/SMTPUTF8; limits answer with their codes', async () => {
  await makeUser(srv.store, 'proto');
  const lines = await talk(
    'LHLO mta.test\r\n' +
      'MAIL FROM:<a@remote.test> SIZE=999999999\r\n' +
      'MAIL FROM:<a@remote.test> SIZE=100 BODY=8BITMIME SMTPUTF8\r\n' +
      'RCPT TO:<proto@example.test>\r\n' +
      'RCPT TO:<ghost@example.test>\r\n' +
      'QUIT\r\n',
    (l) => l.some((x) => x.startsWith('221')),
  );
  const lhlo = lines.filter((l) => l.startsWith('250-') || (l.startsWith('250 ') && !/\d\.\d\.\d/.test(l)));
  for (const ext of ['PIPELINING', 'ENHANCEDSTATUSCODES', '8BITMIME', 'SMTPUTF8', 'SIZE 200000']) {
    assert.ok(
      lhlo.some((l) => l.slice(4) === ext),
      `${ext} in ${lhlo.join('|')}`,
    );
  }
  assert.ok(
    lines.some((l) => /^552 5\.3\.4 /.test(l)),
    'SIZE over the limit refused at MAIL',
  );
  assert.ok(
    lines.some((l) => /^250 2\.1\.0 /.test(l)),
    'MAIL with parameters accepted',
  );
  assert.ok(
    lines.some((l) => /^250 2\.1\.5 /.test(l)),
    'known recipient accepted',
  );
  assert.ok(
    lines.some((l) => /^550 5\.1\.1 .*ghost@example\.test/.test(l)),
    'unknown recipient refused',
  );
});

test('a message over maxMessageSize is refused 552 5.3.4 for every recipient and not stored', async () => {
  const u = await makeUser(srv.store, 'big');
  const body = 'x'.repeat(998) + '\r\n';
  const raw = message('big', body.repeat(210)); // > 200 000 bytes
  const info = await lmtp().sendMail({
    envelope: { from: 'a@remote.test', to: [u.address!, 'n0@example.test'] },
    raw,
  });
  assert.deepEqual(info.accepted, []);
  const errors = (info.rejectedErrors ?? []) as Array<Error & { response: string }>;
  assert.equal(errors.length, 2);
  for (const e of errors) assert.match(e.response, /^552 5\.3\.4 /);
  assert.equal((await mailboxRaw(srv.store, u.id)).length, 0);
});

test('more than 100 recipients: the 101st is refused 452 4.5.3', async () => {
  await makeUser(srv.store, 'many');
  const lines = await talk(
    'LHLO mta.test\r\nMAIL FROM:<a@remote.test>\r\n' +
      Array.from({ length: 101 }, (_, i) => `RCPT TO:<many+${i}@example.test>\r\n`).join('') +
      'QUIT\r\n',
    (l) => l.some((x) => x.startsWith('221')),
  );
  const rcptReplies = lines.filter((l) => /^(250 2\.1\.5|452) /.test(l));
  assert.equal(rcptReplies.length, 101);
  assert.match(rcptReplies[100]!, /^452 4\.5\.3 /);
});

test('swaks --protocol LMTP delivers, and the stored copy is the received bytes after the trace headers', async () => {
  const u = await makeUser(srv.store, 'swaks');
  const { stdout } = await run('swaks', [
    '--protocol',
    'LMTP',
    '--server',
    `127.0.0.1:${srv.ports.lmtp}`,
    '--from',
    'sender@remote.test',
    '--to',
    `${u.address},nobody@example.test`,
    '--header',
    'Subject: via swaks',
    '--body',
    'Swaks body\n.leading dot\n',
    '--hide-informational',
  ]).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
  assert.match(stdout, /<\*\* +550 5\.1\.1 <nobody@example\.test>/);
  assert.match(stdout, /^<- +250 2\.6\.0 /m);
  const [stored] = await mailboxRaw(srv.store, u.id);
  assert.ok(stored);
  const text = stored.toString('latin1');
  assert.ok(text.startsWith(`Return-Path: <sender@remote.test>\r\nDelivered-To: ${u.address}\r\n`), text);
  assert.match(text, /\r\nSubject: via swaks\r\n/);
  assert.match(text, /\r\n\r\nSwaks body\r\n\.leading dot\r\n/);
});

test('without a relay, a stored forwarding filter does not affect delivery', async () => {
  const u = await makeUser(srv.store, 'norelay');
  // stored while a relay was configured; this server has none
  await new Filters(srv.db, srv.store.locks, { relayConfigured: true }).create(u.id, {
    query: {},
    action: { targets: ['away@remote.test'] },
  });
  const info = await lmtp().sendMail({
    envelope: { from: 'a@remote.test', to: [u.address!] },
    raw: message('norelay'),
  });
  assert.deepEqual(info.accepted, [u.address]);
  assert.equal((await mailboxRaw(srv.store, u.id)).length, 1);
});
