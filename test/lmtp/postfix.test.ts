// Debian's Postfix as the MTA: a private instance (`postfix -c <dir>`) whose virtual domain goes to
// Nestbox over `lmtp:inet:`, fed with its own sendmail. Checks per-recipient outcomes in Postfix's
// log and the stored bytes: trace headers, Postfix's Received line, then the submitted message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { makeUser, mailboxRaw, waitFor } from './_util.ts';
import { RawPop3, unstuff } from '../pop3/_util.ts';

let srv: TestServer;
let dir: string;
let started = false;

const MASTER_CF = `
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000    0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
`;

function mainCf(port: number): string {
  return `compatibility_level = 3.6
queue_directory = ${dir}/queue
data_directory = ${dir}/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mta.test
mydomain = mta.test
myorigin = mta.test
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
virtual_mailbox_domains = example.test
virtual_transport = lmtp:inet:127.0.0.1:${port}
# bounces to the (fictitious) sender stay local
default_transport = discard
relay_transport = discard
alias_maps =
alias_database =
local_recipient_maps =
maillog_file = ${dir}/maillog
maillog_file_prefixes = ${dir}
biff = no
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
`;
}

/** postfix(1) reports to a terminal or to its log; `script` gives it the terminal so errors show up. */
function postfix(cmd: string): string {
  const r = spawnSync('script', ['-qc', `postfix -c ${dir} ${cmd}`, '/dev/null'], { encoding: 'utf8' });
  return `${r.stdout}${r.stderr}`;
}

const maillog = () => (existsSync(join(dir, 'maillog')) ? readFileSync(join(dir, 'maillog'), 'utf8') : '');

before(async () => {
  srv = await startTestServer({ services: ['lmtp', 'pop3'] });
  dir = mkdtempSync(join(tmpdir(), 'nestbox-postfix-'));
  chmodSync(dir, 0o755); // the postfix user walks into it
  const uid = Number(execFileSync('id', ['-u', 'postfix'], { encoding: 'utf8' }).trim());
  mkdirSync(join(dir, 'queue'));
  mkdirSync(join(dir, 'data'));
  chownSync(join(dir, 'data'), uid, 0);
  writeFileSync(join(dir, 'main.cf'), mainCf(srv.ports.lmtp!));
  writeFileSync(join(dir, 'master.cf'), MASTER_CF);
  const out = postfix('start');
  started = /starting the Postfix mail system/.test(out);
  if (!started) throw new Error(`postfix did not start:\n${out}\n${maillog()}`);
});

after(async () => {
  if (started) postfix('stop');
  await srv?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('Postfix delivers over LMTP: per-recipient results, byte-exact copies after the trace headers', async () => {
  const a = await makeUser(srv.store, 'pfa', { password: 'pf-pass-1' });
  const b = await makeUser(srv.store, 'pfb');
  const q = await makeUser(srv.store, 'pfq', { quota: 64 });
  const original =
    'From: Sender <sender@remote.test>\nTo: team@example.test\nSubject: from postfix\n' +
    'Message-ID: <pf1@remote.test>\nDate: Sat, 28 Nov 2026 12:00:00 +0000\nMIME-Version: 1.0\n' +
    'Content-Type: text/plain; charset=utf-8\n\nFirst line\n.leading dot\n..two dots\n\nlast line\n';
  const rcpts = [a.address!, b.address!, q.address!, 'ghost@example.test'];
  const r = spawnSync('sendmail', ['-C', dir, '-i', '-f', 'sender@remote.test', ...rcpts], {
    input: original,
  });
  assert.equal(r.status, 0, `sendmail: ${String(r.stderr)}`);

  await waitFor(
    () =>
      /to=<ghost@example\.test>.*status=bounced/.test(maillog()) &&
      /to=<pfq@example\.test>.*status=bounced/.test(maillog()),
    30000,
  ).catch(() => assert.fail(`no bounce lines in the Postfix log:\n${maillog()}`));
  await waitFor(() => (maillog().match(/status=sent/g) ?? []).length >= 2, 30000).catch(() =>
    assert.fail(`no sent lines in the Postfix log:\n${maillog()}`),
  );
  const log = maillog();
  assert.match(
    log,
    /to=<ghost@example\.test>.*status=bounced \(host 127\.0\.0\.1\[127\.0\.0\.1\] said: 550 5\.1\.1 .*in reply to RCPT TO/,
  );
  assert.match(
    log,
    /to=<pfq@example\.test>.*status=bounced \(host 127\.0\.0\.1\[127\.0\.0\.1\] said: 552 5\.2\.2 .*in reply to end of DATA/,
  );
  assert.match(log, /to=<pfa@example\.test>.*status=sent \(250 2\.6\.0 /);
  assert.match(log, /to=<pfb@example\.test>.*status=sent \(250 2\.6\.0 /);

  const submitted = Buffer.from(original.replace(/\n/g, '\r\n'));
  for (const u of [a, b]) {
    const [stored] = await mailboxRaw(srv.store, u.id);
    assert.ok(stored, `${u.username} has the message`);
    const text = stored.toString('latin1');
    const prefix = `Return-Path: <sender@remote.test>\r\nDelivered-To: ${u.address}\r\n`;
    assert.ok(text.startsWith(prefix), text.slice(0, 200));
    assert.ok(stored.subarray(-submitted.length).equals(submitted), 'ends with the submitted bytes');
    const middle = text.slice(prefix.length, text.length - submitted.length);
    assert.match(
      middle,
      /^Received: by mta\.test \(Postfix[^]*\r\n$/,
      'only Postfix’s Received header in between',
    );
    assert.doesNotMatch(middle, /\r\n(?![ \t])(?!$)/, 'a single (folded) header field');
  }
  assert.equal((await mailboxRaw(srv.store, q.id)).length, 0);

  // the same bytes come back over POP3
  const { client } = await RawPop3.open(srv.ports.pop3!);
  await client.cmd(`USER ${a.username}`);
  assert.match(await client.cmd('PASS pf-pass-1'), /^\+OK/);
  assert.match(await client.cmd('RETR 1'), /^\+OK/);
  const body = unstuff(await client.multi());
  const [stored] = await mailboxRaw(srv.store, a.id);
  assert.ok(body.equals(stored!));
  await client.cmd('QUIT');
});
