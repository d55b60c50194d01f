// The commands and extensions through Python's imaplib (fixtures/imaplib_session.py checks every
// reply exactly and exits non-zero on the first difference).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startImap, type ImapTestEnv } from './_setup.ts';

let env: ImapTestEnv;
before(async () => {
  env = await startImap();
});
after(async () => {
  await env.srv.stop();
});

const script = fileURLToPath(new URL('./fixtures/imaplib_session.py', import.meta.url));

test('imaplib: STARTTLS, AUTHENTICATE, mailboxes, APPEND, FETCH, STORE, SEARCH, COPY, MOVE, EXPUNGE, TLS login', async () => {
  const inbox = (await env.srv.store.mailboxes.get(env.user.id, 'INBOX'))!;
  const args = [
    script,
    String(env.port),
    env.user.username,
    env.user.password,
    String(inbox.uidValidity),
    String(env.tlsPort),
  ];
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>(
    (resolve) => {
      execFile('python3', args, { timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    },
  );
  assert.equal(code, 0, `${stdout}\n${stderr}`);
  const lines = stdout.trim().split('\n');
  assert.equal(lines[lines.length - 1], 'ALL OK');
  assert.equal(lines.filter((l) => l.startsWith('ok ')).length, lines.length - 1);
});
