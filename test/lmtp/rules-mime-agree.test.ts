// The three readers of a message's body agree, because all three ask server/mime: an LMTP filter on
// body text or attachments, the API's text, html and attachment download, and IMAP SEARCH BODY and
// BINARY. The message is built to trip decoders up: quoted-printable with a character split across
// a soft line break, an HTML alternative in Latin-1 with words the plain part lacks, a base64 text
// part in KOI8-R, and an attachment whose filename is an RFC 2231 continuation in UTF-8.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTransport } from 'nodemailer';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { Client } from '../api/_client.ts';
import { RawImap } from '../imap/_client.ts';
import { Candidate } from '../../server/lmtp/rules.ts';
import { parseHeaders } from '../../server/mime/header-fields.ts';

const PDF = Buffer.concat([
  Buffer.from('%PDF-1.4\n'),
  Buffer.from([0, 1, 2, 0xfe, 0xff]),
  Buffer.from('\n%%EOF\n'),
]);

const TRICKY = Buffer.from(
  [
    'From: Ann <ann@remote.test>',
    'To: someone@example.test',
    'Subject: tricky',
    'Message-ID: <tricky@remote.test>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="outer"',
    '',
    '--outer',
    'Content-Type: multipart/alternative; boundary="alt"',
    '',
    '--alt',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'Viele Gr=C3=',
    '=BC=C3=9Fe aus K=C3=B6ln, und ein Satz, der hier wei=',
    'ch umbricht.',
    '--alt',
    'Content-Type: text/html; charset=iso-8859-1',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    '<p>Viele Gr=FC=DFe aus K=F6ln</p><p>Nur im HTML: Abmeldelink</p>',
    '--alt--',
    '',
    '--outer',
    'Content-Type: text/plain; charset=koi8-r',
    'Content-Transfer-Encoding: base64',
    '',
    // "Привет из Москвы, жёлтый чай." in KOI8-R
    '8NLJ18XUIMnaIO3P08vX2Swg1qPM1NnKIN7Byi4=',
    '--outer',
    'Content-Type: application/pdf',
    "Content-Disposition: attachment; filename*0*=UTF-8''r%C3%A9sum; filename*1*=%C3%A9%20final.pdf",
    'Content-Transfer-Encoding: base64',
    '',
    PDF.toString('base64'),
    '--outer--',
    '',
  ].join('\r\n'),
);

// An HTML body with an inline image that has a Content-ID and no filename: the API lists the image
// as an attachment, so a filter on attachments must see one too.
const INLINE_IMAGE = Buffer.from(
  [
    'From: Ann <ann@remote.test>',
    'To: someone@example.test',
    'Subject: inline image',
    'MIME-Version: 1.0',
    'Content-Type: multipart/related; boundary="rel"',
    '',
    '--rel',
    'Content-Type: text/html; charset=utf-8',
    '',
    '<p>Logo: <img src="cid:logo@remote.test"></p>',
    '--rel',
    'Content-Type: image/png',
    'Content-ID: <logo@remote.test>',
    'Content-Transfer-Encoding: base64',
    '',
    'iVBORw0KGgo=',
    '--rel--',
    '',
  ].join('\r\n'),
);

/** Filter queries the stored text must satisfy… */
const IN_TEXT = [
  'grüße aus köln',
  'weich umbricht',
  'Привет из Москвы, жёлтый чай',
  'nur im html: abmeldelink',
];
/** …and strings that are only in the encoded bytes or in headers, never in the decoded text. */
const NOT_IN_TEXT = ['gr=c3=', 'wei=', 'k=f6ln', '8NLJ18XU', 'résumé final.pdf', 'tricky'];

let srv: TestServer;
let admin: Client;

before(async () => {
  srv = await startTestServer({ services: ['lmtp', 'imap', 'api'] });
  admin = new Client(srv.ports.api!, srv.adminToken);
});
after(async () => {
  await srv?.stop();
});

async function newUser(name: string): Promise<{ id: string; address: string; client: Client }> {
  const r = await admin.post('/users', {
    username: name,
    password: `pw-${name}-secret`,
    address: `${name}@example.test`,
  });
  assert.equal(r.status, 200, r.text);
  return { id: r.body.id as string, address: `${name}@example.test`, client: admin };
}

async function mailboxId(user: string, path: string): Promise<string> {
  const r = await admin.get(`/users/${user}/mailboxes`);
  return (r.body.results as Array<{ id: string; path: string }>).find((b) => b.path === path)!.id;
}

async function subjects(user: string, path: string): Promise<string[]> {
  const r = await admin.get(`/users/${user}/mailboxes/${await mailboxId(user, path)}/messages`);
  return (r.body.results as Array<{ subject: string }>).map((m) => m.subject).sort();
}

/** A user whose only filter files what matches `query` into "Hit". */
async function userWithFilter(name: string, query: Record<string, unknown>) {
  const u = await newUser(name);
  const hit = await admin.post(`/users/${u.id}/mailboxes`, { path: 'Hit' });
  assert.equal(hit.status, 200, hit.text);
  const f = await admin.post(`/users/${u.id}/filters`, { query, action: { mailbox: hit.body.id } });
  assert.equal(f.status, 200, f.text);
  return u;
}

async function deliver(to: string[], raw: Buffer): Promise<void> {
  const t = createTransport({ host: '127.0.0.1', port: srv.ports.lmtp!, lmtp: true, ignoreTLS: true });
  const info = await t.sendMail({ envelope: { from: 'ann@remote.test', to }, raw });
  assert.deepEqual(info.accepted.sort(), [...to].sort());
}

test('filters, the API and IMAP SEARCH BODY read the same text and attachments', async () => {
  const positive = await Promise.all(IN_TEXT.map((text, i) => userWithFilter(`agree-in-${i}`, { text })));
  const negative = await Promise.all(
    NOT_IN_TEXT.map((text, i) => userWithFilter(`agree-out-${i}`, { text })),
  );
  const withAttachments = await userWithFilter('agree-ha', { ha: true });
  const withoutAttachments = await userWithFilter('agree-no-ha', { ha: false });
  const all = [...positive, ...negative, withAttachments, withoutAttachments];
  await deliver(
    all.map((u) => u.address),
    TRICKY,
  );
  await deliver(
    all.map((u) => u.address),
    INLINE_IMAGE,
  );

  // the filters
  for (const [i, u] of positive.entries())
    assert.deepEqual(await subjects(u.id, 'Hit'), ['tricky'], `filter text ${IN_TEXT[i]}`);
  for (const [i, u] of negative.entries())
    assert.deepEqual(await subjects(u.id, 'Hit'), [], `filter text ${NOT_IN_TEXT[i]}`);
  assert.deepEqual(await subjects(withAttachments.id, 'Hit'), ['inline image', 'tricky']);
  assert.deepEqual(await subjects(withoutAttachments.id, 'Hit'), []);

  // the API, on the copy in INBOX of a user whose filter did not move it
  const u = withoutAttachments;
  const inbox = await mailboxId(u.id, 'INBOX');
  const list = await admin.get(`/users/${u.id}/mailboxes/${inbox}/messages?order=asc`);
  const items = list.body.results as Array<{ id: number; subject: string; attachments: boolean }>;
  assert.deepEqual(
    items.map((m) => [m.subject, m.attachments]),
    [
      ['tricky', true],
      ['inline image', true],
    ],
  );
  const uid = items.find((m) => m.subject === 'tricky')!.id;
  const m = (await admin.get(`/users/${u.id}/mailboxes/${inbox}/messages/${uid}`)).body;
  assert.equal(
    m.text,
    'Viele Grüße aus Köln, und ein Satz, der hier weich umbricht.\n' +
      'Viele Grüße aus Köln\nNur im HTML: Abmeldelink\n' +
      'Привет из Москвы, жёлтый чай.',
  );
  assert.deepEqual(m.html, ['<p>Viele Grüße aus Köln</p><p>Nur im HTML: Abmeldelink</p>']);
  assert.deepEqual(
    (m.attachments as Array<{ id: string; filename: string; contentType: string }>).map((a) => [
      a.id,
      a.filename,
      a.contentType,
    ]),
    [['3', 'résumé final.pdf', 'application/pdf']],
  );
  const pdf = await admin.get(`/users/${u.id}/mailboxes/${inbox}/messages/${uid}/attachments/3`);
  assert.equal(pdf.status, 200);
  assert.ok(pdf.raw.equals(PDF), 'the API decodes the attachment to the bytes sent');

  // the filter reads exactly the text the API shows (and SEARCH reads: it is the stored text)
  const raw = (await admin.get(`/users/${u.id}/mailboxes/${inbox}/messages/${uid}/message.eml`)).raw;
  assert.equal(new Candidate(raw, parseHeaders(raw, 1 << 20)).body().text, (m.text as string).toLowerCase());

  // IMAP SEARCH BODY finds the message by every decoded string and by none of the encoded ones,
  // and BINARY gives the attachment's bytes as the API did
  const c = await RawImap.open(srv.ports.imap!);
  await c.response();
  assert.match((await c.command('l', `LOGIN agree-no-ha pw-agree-no-ha-secret`)).at(-1)!, /^l OK/);
  assert.match((await c.command('s', 'SELECT INBOX')).at(-1)!, /^s OK/);
  const search = async (text: string) => {
    const bytes = Buffer.from(text);
    const r = await c.command(
      'q',
      Buffer.concat([
        Buffer.from(`q UID SEARCH CHARSET UTF-8 BODY {${bytes.length}+}\r\n`),
        bytes,
        Buffer.from('\r\n'),
      ]),
    );
    assert.match(r.at(-1)!, /^q OK/);
    return r[0];
  };
  for (const text of IN_TEXT) assert.equal(await search(text), `* SEARCH ${uid}`, `SEARCH BODY ${text}`);
  for (const text of NOT_IN_TEXT) assert.equal(await search(text), '* SEARCH', `SEARCH BODY ${text}`);
  const binary = await c.command('b', `UID FETCH ${uid} BINARY.PEEK[3]`);
  assert.match(binary.at(-1)!, /^b OK/);
  assert.ok(binary[0]!.includes(`BINARY[3] ~{${PDF.length}}\r\n`), binary[0]);
  c.close();
});
