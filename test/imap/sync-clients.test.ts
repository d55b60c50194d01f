// Real sync clients: mbsync (isync) two-way sync of a folder tree with flags and a second run that
// changes nothing; offlineimap3 one-shot sync into a Maildir.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startImap, type ImapTestEnv } from './_setup.ts';

let env: ImapTestEnv;
const scratch = mkdtempSync(join(tmpdir(), 'nestbox-sync-'));

before(async () => {
  env = await startImap();
});
after(async () => {
  await env.srv.stop();
  rmSync(scratch, { recursive: true, force: true });
});

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  return new Promise<{ code: number; out: string }>((resolve) => {
    execFile(cmd, args, { timeout: 120_000, ...opts }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

const mail = (n: string) =>
  `From: ${n}@example.test\r\nSubject: ${n}\r\nMessage-ID: <${n}@example.test>\r\n\r\nbody of ${n}\r\n`;

/** Every message in a Maildir folder: subject → maildir flags. */
function maildir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const sub of ['cur', 'new']) {
    const d = join(dir, sub);
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d)) {
      const subject = /Subject: (\S+)/.exec(readFileSync(join(d, f), 'latin1'))?.[1] ?? '?';
      out[subject] = f.includes(':2,') ? f.slice(f.indexOf(':2,') + 3) : '';
    }
  }
  return out;
}

/** Every message of a mailbox on the server: subject → sorted flags. */
async function server(userId: string, path: string): Promise<Record<string, string[]>> {
  const box = await env.srv.store.mailboxes.get(userId, path);
  assert.ok(box, `server mailbox ${path}`);
  const out: Record<string, string[]> = {};
  for await (const m of env.srv.store.messages.fetch(box.user, box.id, [[1, 1e9]], ['flags', 'subject'])) {
    out[m.subject ?? '?'] = [...(m.flags ?? [])].sort();
  }
  return out;
}

function newMaildirMessage(dir: string, name: string, flags: string): void {
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(
    join(dir, 'cur', `${Date.now()}.${name}.local:2,${flags}`),
    mail(name).replace(/\r\n/g, '\n'),
  );
}

test('mbsync: two-way sync of a folder tree with flags; a second run changes nothing', async () => {
  const user = await env.newUser('syncer');
  const { store } = env.srv;
  const inbox = (await store.mailboxes.get(user.id, 'INBOX'))!;
  const alpha = await store.mailboxes.create(user.id, 'Projects/Alpha');
  await store.messages.add({
    user: user.id,
    mailbox: inbox.id,
    raw: Buffer.from(mail('srvseen')),
    flags: ['\\Seen'],
  });
  await store.messages.add({
    user: user.id,
    mailbox: inbox.id,
    raw: Buffer.from(mail('srvflag')),
    flags: ['\\Flagged'],
  });
  await store.messages.add({
    user: user.id,
    mailbox: alpha.id,
    raw: Buffer.from(mail('alpha1')),
    flags: ['\\Answered', '\\Seen'],
  });

  const local = join(scratch, 'mbsync');
  newMaildirMessage(join(local, 'INBOX'), 'localinbox', 'S');
  newMaildirMessage(join(local, 'Notes'), 'localnote', 'FS');
  const config = join(scratch, 'mbsyncrc');
  writeFileSync(
    config,
    [
      'IMAPAccount nb',
      'Host 127.0.0.1',
      `Port ${env.port}`,
      `User ${user.username}`,
      `Pass ${user.password}`,
      'SSLType None',
      'AuthMechs LOGIN PLAIN',
      '',
      'IMAPStore remote',
      'Account nb',
      '',
      'MaildirStore local',
      `Path ${local}/`,
      `Inbox ${local}/INBOX`,
      'SubFolders Verbatim',
      '',
      'Channel nb',
      'Far :remote:',
      'Near :local:',
      'Patterns *',
      'Create Both',
      'Expunge Both',
      'SyncState *',
      '',
    ].join('\n'),
  );
  const first = await run('mbsync', ['-c', config, '-a']);
  assert.equal(first.code, 0, first.out);

  assert.deepEqual(await server(user.id, 'INBOX'), {
    localinbox: ['\\Seen'],
    srvflag: ['\\Flagged'],
    srvseen: ['\\Seen'],
  });
  assert.deepEqual(await server(user.id, 'Notes'), { localnote: ['\\Flagged', '\\Seen'] });
  assert.deepEqual(maildir(join(local, 'INBOX')), { localinbox: 'S', srvflag: 'F', srvseen: 'S' });
  assert.deepEqual(maildir(join(local, 'Projects/Alpha')), { alpha1: 'RS' });

  // a flag change on each side travels with the next run
  await store.messages.updateFlags({
    user: user.id,
    mailbox: alpha.id,
    uids: [1],
    action: 'add',
    flags: ['\\Flagged'],
  });
  const notesCur = join(local, 'Notes', 'cur');
  const noteFile = readdirSync(notesCur)[0]!;
  renameSync(join(notesCur, noteFile), join(notesCur, noteFile.replace(/:2,.*$/, ':2,S')));
  const second = await run('mbsync', ['-c', config, '-a']);
  assert.equal(second.code, 0, second.out);
  assert.deepEqual(maildir(join(local, 'Projects/Alpha')), { alpha1: 'FRS' });
  assert.deepEqual(await server(user.id, 'Notes'), { localnote: ['\\Seen'] });

  // nothing left to do: neither side changes
  const snapshot = async () => ({
    inbox: await server(user.id, 'INBOX'),
    notes: await server(user.id, 'Notes'),
    alpha: await server(user.id, 'Projects/Alpha'),
    localInbox: maildir(join(local, 'INBOX')),
    localNotes: maildir(join(local, 'Notes')),
    localAlpha: maildir(join(local, 'Projects/Alpha')),
    uidNext: (await store.mailboxes.list(user.id)).map((b) => [b.path, b.uidNext, b.modifyIndex]),
  });
  const beforeThird = await snapshot();
  const third = await run('mbsync', ['-c', config, '-a', '-V']);
  assert.equal(third.code, 0, third.out);
  assert.deepEqual(await snapshot(), beforeThird);
});

test('offlineimap3: one-shot sync of every folder into a Maildir', async () => {
  const user = await env.newUser('offline');
  const { store } = env.srv;
  const inbox = (await store.mailboxes.get(user.id, 'INBOX'))!;
  const lists = await store.mailboxes.create(user.id, 'Lists/Dev');
  await store.messages.add({
    user: user.id,
    mailbox: inbox.id,
    raw: Buffer.from(mail('off1')),
    flags: ['\\Seen'],
  });
  await store.messages.add({ user: user.id, mailbox: inbox.id, raw: Buffer.from(mail('off2')) });
  await store.messages.add({
    user: user.id,
    mailbox: lists.id,
    raw: Buffer.from(mail('dev1')),
    flags: ['\\Flagged', '\\Seen'],
  });
  const home = join(scratch, 'offline-home');
  const local = join(scratch, 'offline-mail');
  mkdirSync(home, { recursive: true });
  const rc = join(home, '.offlineimaprc');
  writeFileSync(
    rc,
    [
      '[general]',
      'accounts = nb',
      `metadata = ${join(home, 'meta')}`,
      '',
      '[Account nb]',
      'localrepository = local',
      'remoterepository = remote',
      '',
      '[Repository local]',
      'type = Maildir',
      `localfolders = ${local}`,
      'sep = /',
      '',
      '[Repository remote]',
      'type = IMAP',
      'remotehost = 127.0.0.1',
      `remoteport = ${env.port}`,
      `remoteuser = ${user.username}`,
      `remotepass = ${user.password}`,
      'ssl = no',
      'starttls = no',
      '',
    ].join('\n'),
  );
  const res = await run('offlineimap', ['-c', rc, '-o', '-u', 'basic'], {
    env: { ...process.env, HOME: home },
  });
  assert.equal(res.code, 0, res.out);
  assert.deepEqual(maildir(join(local, 'INBOX')), { off1: 'S', off2: '' });
  assert.deepEqual(maildir(join(local, 'Lists/Dev')), { dev1: 'FS' });
  for (const name of ['Archive', 'Drafts', 'Junk', 'Sent', 'Trash']) {
    assert.ok(statSync(join(local, name, 'cur')).isDirectory(), name);
  }
  // nothing was changed on the server by the one-way pull
  assert.deepEqual(await server(user.id, 'INBOX'), { off1: ['\\Seen'], off2: [] });
});
