// `nestbox import` / `export` next to a running server go through its API; with embedded back ends
// they refuse a data folder another live process holds, and take over the lock of a dead one.
// Progress when piped: a line with true counts and a rate.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApi, type ApiEnv } from './_setup.ts';
import { testEnv } from '../helpers/backends.ts';
import { acquireDataLock, LOCK_FILE } from '../../server/services/data-lock.ts';
import { describeProgress, Progress } from '../../server/api/mail-io/progress.ts';

const run = promisify(execFile);
let env: ApiEnv;
let work: string;

before(async () => {
  env = await startApi();
  await env.newUser('carol');
  work = mkdtempSync(join(tmpdir(), 'nestbox-mailio-cli-'));
});
after(async () => {
  await env?.stop();
  rmSync(work, { recursive: true, force: true });
});

function cli(args: string[], extraEnv: Record<string, string | undefined>) {
  const childEnv: Record<string, string | undefined> = { ...process.env, ...extraEnv };
  for (const [k, v] of Object.entries(childEnv)) if (v === undefined) delete childEnv[k];
  return run(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], {
    env: childEnv as NodeJS.ProcessEnv,
    encoding: 'utf8',
  });
}

const MBOX = Buffer.from(
  'From a@example.test Mon Jan  6 10:00:00 2025\nSubject: one\n\n1\n\n' +
    'From b@example.test Mon Jan  6 11:00:00 2025\nStatus: RO\nSubject: two\n\n2\n\n',
);

test('import and export go through the running server, found by its data folder', async () => {
  const file = join(work, 'in.mbox');
  writeFileSync(file, MBOX);
  // what a server with a generated token leaves in its data folder
  writeFileSync(join(env.srv.dataDir, 'admin-token'), env.srv.adminToken + '\n');
  const { mongodbUri, redisUrl } = testEnv();
  // a database of its own: had the CLI opened the back ends itself, it would find no user carol
  const viaFolder = {
    NESTBOX_DATA_DIR: env.srv.dataDir,
    MONGODB_URI: mongodbUri,
    REDIS_URL: redisUrl,
    NESTBOX_DB_NAME: 'nestbox_cli_elsewhere',
    NESTBOX_ADMIN_TOKEN: undefined,
  };
  const imp = await cli(['import', 'carol', file, '--mailbox', 'Remote'], viaFolder);
  assert.match(imp.stdout, /imported 2, already there 0, failed 0 \(mbox\)/);
  assert.match(imp.stdout, /through the running server at http:\/\/127\.0\.0\.1:\d+/);
  assert.match(imp.stderr, /imported 2 messages \(100% of the file\), [\d.]+ messages\/s/);
  const carol = (await env.srv.store.users.getByUsername('carol'))!;
  const box = (await env.srv.store.mailboxes.get(carol.id, 'Remote'))!;
  assert.equal((await env.srv.store.messages.listUids(box.user, box.id)).length, 2);

  const out = join(work, 'out.mbox');
  const exp = await cli(['export', 'carol', 'Remote', out], viaFolder);
  assert.match(exp.stdout, /exported 2 messages from Remote .*through the running server/);
  assert.match(exp.stderr, /exported 2\/2 messages \(100%\)/);
  assert.match(
    readFileSync(out, 'latin1'),
    /\nStatus: RO\nX-Status:\nX-Keywords:\nStatus: RO\nSubject: two\n/,
  );

  const zip = join(work, 'out.zip');
  const all = await cli(['export', 'carol', zip], viaFolder);
  assert.match(all.stdout, /exported \d+ messages of every mailbox/);
  assert.ok(readFileSync(zip).subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1')));
});

test('embedded back ends: a data folder held by a live process is refused, naming it', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nestbox-held-'));
  try {
    const started = new Date().toISOString();
    writeFileSync(
      join(dataDir, LOCK_FILE),
      JSON.stringify({ pid: process.pid, host: hostname(), started, command: 'serve' }),
    );
    const file = join(work, 'held.mbox');
    writeFileSync(file, MBOX);
    const r = await cli(['import', 'carol', file], {
      NESTBOX_DATA_DIR: dataDir,
      MONGODB_URI: undefined,
      REDIS_URL: undefined,
    }).then(
      () => assert.fail('the import ran on a data folder in use'),
      (err: { stderr: string; code: number }) => err,
    );
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`in use by nestbox serve \\(pid ${process.pid} on .*since ${started}\\)`),
    );
    assert.ok(!existsSync(join(dataDir, 'mongodb')), 'no MongoDB was started');
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('the lock: taken, refused while held, released, and taken over from a dead process', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nestbox-lock-'));
  try {
    const release = acquireDataLock(dataDir, 'import');
    const holder = JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')) as Record<string, unknown>;
    assert.equal(holder.pid, process.pid);
    assert.equal(holder.host, hostname());
    assert.throws(() => acquireDataLock(dataDir, 'export'), /in use by nestbox import/);
    release();
    assert.ok(!existsSync(join(dataDir, LOCK_FILE)));

    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(
      join(dataDir, LOCK_FILE),
      JSON.stringify({ pid: dead, host: hostname(), started: '2026-01-01T00:00:00Z', command: 'serve' }),
    );
    const again = acquireDataLock(dataDir, 'serve');
    assert.equal(
      (JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')) as { pid: number }).pid,
      process.pid,
    );
    again();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('progress when piped: one line every few seconds, with counts and a rate', () => {
  let clock = 0;
  const lines: string[] = [];
  const p = new Progress('imported', { isTTY: false, write: (t) => lines.push(t) }, () => clock);
  for (let i = 1; i <= 100; i++) {
    clock = i * 100; // 10 messages a second for 10 seconds
    p.update({ done: i, total: 100 });
  }
  p.finish();
  assert.equal(lines.length, 4, lines.join('')); // at 3, 6, 9 s and the last
  assert.equal(lines[0], 'imported 30/100 messages (30%), 10 messages/s\n');
  assert.equal(lines[3], 'imported 100/100 messages (100%), 10 messages/s\n');
  assert.equal(
    describeProgress('imported', { done: 1, total: null, fraction: 0.51 }, 2000),
    'imported 1 messages (51% of the file), 0.5 messages/s',
  );
});
