// Pure pieces: mbox reading/writing edge cases, Maildir name parsing, SSE keep-alive comments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import { PassThrough, Readable, type Transform } from 'node:stream';
import express from 'express';
import { asctime, dateOfFromLine, mboxEntry, quoteMboxrd, readMbox } from '../../server/api/mail-io/mbox.ts';
import { maildirFlags, maildirTime } from '../../server/api/mail-io/maildir.ts';
import { openSse } from '../../server/api/sse.ts';
import { countSeparators, countZipMessages } from '../../server/api/mail-io/stream-counters.ts';
import { ZipWriter } from '../../server/api/mail-io/zip-writer.ts';

async function read(
  bytes: Buffer | string,
  format: 'mboxrd' | 'mboxo' = 'mboxrd',
  chunk = 7,
): Promise<string[]> {
  const b = Buffer.from(bytes);
  const chunks: Buffer[] = [];
  for (let i = 0; i < b.length; i += chunk) chunks.push(b.subarray(i, i + chunk));
  const out: string[] = [];
  for await (const m of readMbox(Readable.from(chunks), format)) out.push(m.raw.toString('latin1'));
  return out;
}

test('mboxrd: quoting round-trips every depth of ">From ", whatever the chunking', async () => {
  const raw = Buffer.from('Subject: x\n\nFrom a\n>From b\n>>From c\nFromage\n From d\n');
  assert.equal(quoteMboxrd(raw).toString(), 'Subject: x\n\n>From a\n>>From b\n>>>From c\nFromage\n From d\n');
  const file = Buffer.concat([...mboxEntry(raw, 'a@b', new Date(0)), ...mboxEntry(raw, 'c@d', new Date(0))]);
  for (const size of [1, 3, 64, 4096])
    assert.deepEqual(await read(file, 'mboxrd', size), [raw.toString(), raw.toString()]);
});

test('mboxo leaves ">From " alone; CRLF messages keep their line ends', async () => {
  assert.deepEqual(await read('From x Thu Jan  1 00:00:00 1970\nA: 1\n\n>From kept\n\n', 'mboxo'), [
    'A: 1\n\n>From kept\n',
  ]);
  const crlf = 'A: 1\r\n\r\nbody\r\n';
  assert.deepEqual(
    await read(`From x Thu Jan  1 00:00:00 1970\n${crlf}\nFrom y Thu Jan  1 00:00:00 1970\n${crlf}\n`),
    [crlf, crlf],
  );
});

test('a message without a final newline gains one (the only change mbox forces)', async () => {
  const file = Buffer.concat(mboxEntry(Buffer.from('A: 1\n\nno newline'), 's', new Date(0)));
  assert.deepEqual(await read(file), ['A: 1\n\nno newline\n']);
});

test('not an mbox: an error, not a guess', async () => {
  await assert.rejects(read('hello\nworld\n'), /not an mbox/);
  await assert.rejects(read(''), /not an mbox/);
});

test('From_ line dates are asctime in UTC', () => {
  const d = new Date(Date.UTC(2002, 7, 2, 3, 4, 5));
  assert.equal(asctime(d), 'Fri Aug  2 03:04:05 2002');
  assert.equal(dateOfFromLine(`someone@example.test ${asctime(d)}`)?.toISOString(), d.toISOString());
  assert.equal(
    dateOfFromLine('exmh-workers-admin@redhat.com  Thu Aug 22 12:36:23 2002')?.toISOString(),
    '2002-08-22T12:36:23.000Z',
  );
  assert.equal(dateOfFromLine('nobody'), null);
});

test('Maildir names: flags after ":2,", new/ is unseen, time from the unique name', () => {
  assert.deepEqual(
    maildirFlags('1.M.h:2,DFPRST', false).sort(),
    ['$Forwarded', '\\Answered', '\\Deleted', '\\Draft', '\\Flagged', '\\Seen'].sort(),
  );
  assert.deepEqual(maildirFlags('1.M.h:2,S', true), []);
  assert.deepEqual(maildirFlags('1.M.h', false), []);
  assert.equal(maildirTime('1700000000.M1.h:2,')?.getTime(), 1_700_000_000_000);
  assert.equal(maildirTime('abc'), null);
});

test('SSE streams send keep-alive comments', async () => {
  const app = express();
  app.get('/s', (req, res) => {
    const s = openSse(req, res, 50);
    s.send('hello', { a: 1 }, 'id-1');
  });
  const server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const text = await new Promise<string>((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/s' }, (res) => {
      let buf = '';
      res.on('data', (c: Buffer) => {
        buf += c.toString();
        if ((buf.match(/: keep-alive/g) ?? []).length >= 2) {
          req.destroy();
          resolve(buf);
        }
      });
    });
    req.end();
  });
  server.closeAllConnections();
  server.close();
  assert.match(text, /id: id-1\nevent: hello\ndata: \{"a":1\}\n\n/);
  assert.match(text, /: keep-alive\n\n/);
});

test('export counters find every message whatever the chunking: mbox separators and zipped Maildir files', async () => {
  const feed = async (make: (cb: (n: number) => void) => Transform, bytes: Buffer, size: number) => {
    let last = 0;
    const t = make((n) => (last = n));
    t.resume();
    for (let i = 0; i < bytes.length; i += size) t.write(bytes.subarray(i, i + size));
    t.end();
    await new Promise((r) => t.on('end', r));
    return last;
  };
  const mbox = Buffer.from(
    'From a Mon Jan  6 10:00:00 2025\nx\n>From b\n\nFrom c Mon Jan  6 10:00:00 2025\n\nFrom d x\ny\n',
  );
  const zipped: Buffer[] = [];
  const sink = new PassThrough();
  sink.on('data', (c: Buffer) => zipped.push(c));
  const zip = new ZipWriter(sink);
  await zip.addFolder('Maildir/cur/');
  for (let i = 0; i < 5; i++)
    await zip.addFile(`Maildir/.Sub/cur/${i}.M1:2,S`, Buffer.from(`Subject: ${i}\n\n${'z'.repeat(3000)}\n`));
  await zip.addFile('Maildir/.Sub/dovecot-keywords', Buffer.from('0 a\n'));
  await zip.addFile('Maildir/cur/9.M9:2,', Buffer.from('Subject: inbox\n\nhi\n'));
  await zip.finish();
  const zipBytes = Buffer.concat(zipped);
  for (const size of [1, 2, 3, 7, 31, 4096]) {
    assert.equal(await feed(countSeparators, mbox, size), 3, `mbox in chunks of ${size}`);
    assert.equal(await feed(countZipMessages, zipBytes, size), 6, `zip in chunks of ${size}`);
  }
});
