// Export → import into a new account keeps every folder, message byte and flag: mbox (flags in
// Status / X-Status / X-Keywords) and a zipped Maildir++ tree (flags in file names, keywords in
// dovecot-keywords). What an import stored is remembered in MongoDB: flushing Redis changes nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startApi, type ApiEnv } from './_setup.ts';
import { testEnv } from '../helpers/backends.ts';
import type { Store } from '../../server/store/index.ts';

// A Redis database of this file's own, so flushing it touches no other test.
const REDIS_DB = 13;
const redisUrl = `${testEnv().redisUrl.replace(/\/\d*$/, '')}/${REDIS_DB}`;

let env: ApiEnv;
let store: Store;
let work: string;

const MESSAGES: Array<{ path: string; raw: string; flags: string[]; mboxToo?: false }> = [
  { path: 'INBOX', raw: 'From: a@example.test\r\nSubject: crlf\r\n\r\nbody\r\n', flags: ['\\Seen'] },
  {
    path: 'INBOX',
    raw: 'Subject: quoting\n\nFrom here\n>From there\n',
    flags: ['\\Answered', '\\Flagged', 'todo', '$Label1'],
  },
  // a message that carries its own Status lines keeps them
  { path: 'INBOX', raw: 'Status: RO\nX-Status: F\nSubject: own status\n\nx\n', flags: [] },
  { path: 'Work', raw: 'Subject: draft\n\ndraft\n', flags: ['\\Draft', '\\Deleted', '$Forwarded'] },
  { path: 'Work/Projects', raw: 'Subject: deep\n\nsee\n', flags: ['\\Seen', 'project-x'] },
  { path: 'Café.Notes', raw: 'Subject: =?utf-8?q?caf=C3=A9?=\n\n\xe9t\xe9\n', flags: ['\\Seen'] },
  // mbox cannot tell a missing final line end from its separator: Maildir only
  { path: 'Work', raw: 'Subject: no final newline\n\nlast line', flags: [], mboxToo: false },
];
const EMPTY = 'Empty/Child';

async function user(name: string): Promise<string> {
  return (await env.newUser(name)).id;
}

async function fill(owner: string, withUnterminated: boolean): Promise<void> {
  for (const m of MESSAGES) {
    if (m.mboxToo === false && !withUnterminated) continue;
    let mb = await store.mailboxes.get(owner, m.path);
    mb ??= await store.mailboxes.create(owner, m.path);
    await store.messages.add({
      user: owner,
      mailbox: mb.id,
      raw: Buffer.from(m.raw, 'latin1'),
      flags: m.flags,
    });
  }
  await store.mailboxes.create(owner, EMPTY);
}

async function rawOf(owner: string, mailbox: string, uid: number): Promise<Buffer> {
  const r = await store.messages.openRaw(owner, mailbox, uid);
  const chunks: Buffer[] = [];
  for await (const c of r!.stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Every mailbox's path → its messages (bytes, sorted flags) in UID order. */
async function snapshot(owner: string): Promise<Map<string, Array<{ raw: string; flags: string[] }>>> {
  const out = new Map<string, Array<{ raw: string; flags: string[] }>>();
  for (const mb of await store.mailboxes.list(owner)) {
    const uids = await store.messages.listUids(mb.user, mb.id);
    const list: Array<{ raw: string; flags: string[] }> = [];
    if (uids.length)
      for await (const m of store.messages.fetch(mb.user, mb.id, uids, ['flags']))
        list.push({
          raw: (await rawOf(mb.user, mb.id, m.uid)).toString('latin1'),
          flags: [...m.flags!].sort(),
        });
    out.set(mb.path, list);
  }
  return out;
}

before(async () => {
  env = await startApi({ env: { REDIS_URL: redisUrl } });
  store = env.srv.store;
  work = mkdtempSync(join(tmpdir(), 'nestbox-roundtrip-'));
});
after(async () => {
  await env?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('round trip into a new account', () => {
  test('mbox: every folder, message byte and flag', async () => {
    const src = await user('mboxsrc');
    const dst = await user('mboxdst');
    await fill(src, false);
    for (const mb of await store.mailboxes.list(src)) {
      const r = await env.admin.get(`/users/${src}/mailboxes/${mb.id}/export.mbox`);
      assert.equal(r.status, 200);
      if (r.raw.length === 0) {
        // an empty mailbox is an empty file: nothing to import, the folder is made by name
        await env.admin.post(`/users/${dst}/mailboxes`, { path: mb.path }).catch(() => undefined);
        continue;
      }
      const imp = await env.admin.req('POST', `/users/${dst}/import?mailbox=${encodeURIComponent(mb.path)}`, {
        body: r.raw,
        headers: { 'Content-Type': 'application/mbox' },
      });
      assert.equal(imp.status, 200, imp.text);
      assert.equal(imp.body.failed, 0);
    }
    const a = await snapshot(src);
    const b = await snapshot(dst);
    for (const [path, msgs] of a) assert.deepEqual(b.get(path), msgs, `mailbox ${path}`);
    assert.equal(a.get('INBOX')!.length, 3);
  });

  test('Maildir: the whole tree, every message byte and flag, keywords included', async () => {
    const src = await user('mdsrc');
    const dst = await user('mddst');
    await fill(src, true);
    const r = await env.admin.get(`/users/${src}/export.zip`);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/zip');
    const zip = join(work, 'export.zip');
    writeFileSync(zip, r.raw);
    execFileSync('unzip', ['-tq', zip]); // Info-ZIP reads it as a sound archive
    const names = execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8' }).split('\n');
    assert.ok(names.includes('Maildir/.Work.Projects/cur/'), 'Maildir++ folder names');
    assert.ok(names.includes('Maildir/.Caf&AOk-~2eNotes/cur/'), 'modified UTF-7 and an escaped dot');
    assert.ok(
      names.some((n) => /^Maildir\/cur\/\d+\..*:2,FRab$/.test(n)),
      'flag letters in file names',
    );
    const imp = await env.admin.req('POST', `/users/${dst}/import`, {
      body: r.raw,
      headers: { 'Content-Type': 'application/zip' },
    });
    assert.equal(imp.status, 200, imp.text);
    assert.equal(imp.body.imported, MESSAGES.length);
    const a = await snapshot(src);
    const b = await snapshot(dst);
    assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort());
    for (const [path, msgs] of a) assert.deepEqual(b.get(path), msgs, `mailbox ${path}`);
  });

  test('a second import after a Redis flush adds nothing', async () => {
    const src = await user('flushsrc');
    const dst = await user('flushdst');
    await fill(src, true);
    const zip = (await env.admin.get(`/users/${src}/export.zip`)).raw;
    const send = () =>
      env.admin.req('POST', `/users/${dst}/import`, {
        body: zip,
        headers: { 'Content-Type': 'application/zip' },
      });
    assert.equal((await send()).body.imported, MESSAGES.length);
    const redis = new Redis(redisUrl);
    try {
      await redis.flushdb();
    } finally {
      redis.disconnect();
    }
    const again = await send();
    assert.equal(again.status, 200, again.text);
    assert.equal(again.body.imported, 0);
    assert.equal(again.body.skipped, MESSAGES.length);
    const total = [...(await snapshot(dst)).values()].reduce((n, l) => n + l.length, 0);
    assert.equal(total, MESSAGES.length);
  });
});
