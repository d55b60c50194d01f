import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { buffer } from 'node:stream/consumers';
import { ObjectId } from 'mongodb';
import { openStore, all, type TestStore } from './_store.ts';
import { mail, bytes } from './_mail.ts';
import { isStoreError, type JournalEntry, type MailboxInfo } from '../../server/store/index.ts';

let t: TestStore;
before(async () => {
  t = await openStore({ externalizeAbove: 1024 });
});
after(async () => {
  await t.close();
});

let n = 0;
async function newUser(quota = 0): Promise<{ user: string; box: (path: string) => Promise<MailboxInfo> }> {
  const u = await t.store.users.create({ username: `u${++n}`, password: 'pw', quota });
  return {
    user: u.id,
    box: async (path) => {
      const b = await t.store.mailboxes.get(u.id, path);
      assert.ok(b, path);
      return b;
    },
  };
}

/** The journal without ids, times and the index fields an EXISTS carries (checked apart). */
async function journal(
  mailbox: string,
  since = 0,
): Promise<Array<Omit<JournalEntry, 'id' | 'created' | 'user' | 'msg' | 'size' | 'idate' | 'hdate'>>> {
  return (await all(t.store.notify.journalSince(mailbox, since))).map(
    ({ id: _i, created: _c, user: _u, msg: _m, size: _s, idate: _d, hdate: _h, ...rest }) => rest,
  );
}

async function storageOf(user: string): Promise<number> {
  return (await t.store.users.get(user))!.storageUsed;
}

/** The sizes of the user's stored messages, without expunged ones whose documents wait for the
 * reaper: their storage is given back by the expunge. */
async function sumSizes(user: string): Promise<number> {
  const queued = new Set<string>();
  for (const r of await t.db
    .collection('removals')
    .find({ user: new ObjectId(user) })
    .toArray())
    for (const uid of r.uids as number[]) queued.add(`${String(r.mailbox)}:${uid}`);
  const docs = await t.db
    .collection('messages')
    .find({ user: new ObjectId(user) }, { projection: { size: 1, mailbox: 1, uid: 1 } })
    .toArray();
  return docs
    .filter((d) => !queued.has(`${String(d.mailbox)}:${d.uid}`))
    .reduce((s, d) => s + (d.size as number), 0);
}

test('add stores the message; lookups, status and raw bytes', async () => {
  const { user, box } = await newUser();
  const inbox = await box('INBOX');
  const raw = mail({ subject: 'First', text: 'Body text here.\r\n' });
  const idate = new Date('2026-03-04T05:06:07.000Z');
  const res = await t.store.messages.add({
    user,
    mailbox: inbox.id,
    raw,
    flags: ['\\seen', 'Work', '\\Recent'],
    idate,
  });
  assert.deepEqual(res, {
    id: res.id,
    uid: 1,
    modseq: 1,
    size: raw.length,
    mailbox: inbox.id,
    uidValidity: inbox.uidValidity,
  });
  assert.deepEqual(await t.store.messages.listUids(inbox.user, inbox.id), [1]);
  const [view] = await all(
    t.store.messages.fetch(inbox.user, inbox.id, [[1, 10]], ['flags', 'idate', 'size', 'modseq', 'subject']),
  );
  assert.deepEqual(view, {
    id: res.id,
    user,
    mailbox: inbox.id,
    uid: 1,
    flags: ['\\Seen', 'Work'],
    idate,
    size: raw.length,
    modseq: 1,
    subject: 'First',
  });
  const byId = await t.store.messages.getById(user, res.id, ['addresses', 'msgid', 'hdate']);
  assert.deepEqual(byId, {
    id: res.id,
    user,
    mailbox: inbox.id,
    uid: 1,
    from: [{ name: 'Sender', address: 'sender@example.com' }],
    to: [{ name: 'Rcpt', address: 'rcpt@example.org' }],
    cc: [],
    bcc: [],
    replyTo: [],
    sender: [],
    msgid: '<m1@example.com>',
    inReplyTo: null,
    references: [],
    hdate: new Date('2026-03-03T10:00:00.000Z'),
  });
  assert.equal(
    await t.store.messages.getById(new ObjectId().toHexString(), res.id, []),
    null,
    "another user's",
  );
  assert.deepEqual(await t.store.mailboxes.status(user, inbox.id), {
    messages: 1,
    unseen: 0,
    size: raw.length,
    uidNext: 2,
    uidValidity: inbox.uidValidity,
    highestModseq: 1,
  });
  const whole = await t.store.messages.openRaw(inbox.user, inbox.id, 1);
  assert.equal(whole?.size, raw.length);
  assert.deepEqual(await buffer(whole!.stream), raw);
  const part = await t.store.messages.openRaw(inbox.user, inbox.id, 1, { start: 6, length: 10 });
  assert.deepEqual(await buffer(part!.stream), raw.subarray(6, 16));
  assert.deepEqual(await buffer((await t.store.messages.openRawById(user, res.id))!.stream), raw);
  assert.equal(await t.store.messages.openRaw(inbox.user, inbox.id, 99), null);
  assert.equal(await storageOf(user), raw.length);
  assert.deepEqual(await journal(inbox.id), [
    { mailbox: inbox.id, modseq: 1, command: 'EXISTS', uid: 1, flags: ['\\Seen', 'Work'] },
  ]);
  // an EXISTS carries what the mailbox index keeps, so other processes need not read the message
  const [exists] = await all(t.store.notify.journalSince(inbox.id, 0));
  assert.equal(exists?.msg, res.id);
  assert.equal(exists?.size, raw.length);
  assert.equal(typeof exists?.idate, 'number');
  assert.equal(typeof exists?.hdate, 'number');
  await assert.rejects(t.store.messages.add({ user, mailbox: new ObjectId().toHexString(), raw }), (e) =>
    isStoreError(e, 'NOMAILBOX'),
  );
  await assert.rejects(t.store.messages.add({ user, mailbox: inbox.id, raw, flags: ['\\Bogus'] }), (e) =>
    isStoreError(e, 'INVALID'),
  );
});

test('raw bytes out equal bytes in for externalized attachments, whole, in ranges and by section', async () => {
  const { user, box } = await newUser();
  const inbox = await box('INBOX');
  const att = bytes(300_000, 7);
  const raw = mail({ attachment: att, text: 'See attached.\r\n' });
  const res = await t.store.messages.add({ user, mailbox: inbox.id, raw });
  const files = await t.db.collection('attachments.files').find({}).toArray();
  assert.ok(files.length >= 1, 'attachment went to GridFS');
  const s = await t.store.messages.openRaw(inbox.user, inbox.id, res.uid);
  assert.deepEqual(await buffer(s!.stream), raw);
  for (const [start, length] of [
    [0, 1],
    [100, 5000],
    [raw.length - 100, 100],
    [raw.length - 10, 1000],
    [50_000, 200_000],
  ] as const) {
    const r = await t.store.messages.openRaw(inbox.user, inbox.id, res.uid, { start, length });
    assert.deepEqual(await buffer(r!.stream), raw.subarray(start, start + length), `${start}+${length}`);
  }
  const tail = await t.store.messages.openRaw(inbox.user, inbox.id, res.uid, { start: 1000 });
  assert.deepEqual(await buffer(tail!.stream), raw.subarray(1000));
  const sec = await t.store.messages.openSection(inbox.user, inbox.id, res.uid, '2');
  const encoded = Buffer.from((att.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n'));
  assert.equal(sec?.size, encoded.length);
  assert.deepEqual(await buffer(sec!.stream), encoded);
  const sec1 = await t.store.messages.openSection(inbox.user, inbox.id, res.uid, '1');
  assert.deepEqual(await buffer(sec1!.stream), Buffer.from('See attached.\r\n'));
  assert.equal(await t.store.messages.openSection(inbox.user, inbox.id, res.uid, '9'), null);
  assert.equal(await t.store.messages.openSection(inbox.user, inbox.id, res.uid, 'BOGUS'), null);
  const headerEnd = raw.indexOf('\r\n\r\n') + 4;
  const section = async (name: string, range?: { start: number; length?: number }) =>
    buffer((await t.store.messages.openSection(inbox.user, inbox.id, res.uid, name, range))!.stream);
  assert.deepEqual(await section('HEADER'), raw.subarray(0, headerEnd));
  assert.deepEqual(await section('TEXT'), raw.subarray(headerEnd));
  assert.deepEqual(await section(''), raw);
  assert.deepEqual(await section('1.MIME'), Buffer.from('Content-Type: text/plain; charset=utf-8\r\n\r\n'));
  assert.deepEqual(await section('2', { start: 10, length: 100 }), encoded.subarray(10, 110));
  const [v] = await all(t.store.messages.fetch(inbox.user, inbox.id, [res.uid], ['attachments']));
  assert.equal(v?.hasAttachments, true);
  assert.deepEqual(
    v?.attachments?.map((a) => [a.filename, a.contentType]),
    [['data.bin', 'application/octet-stream']],
  );
});

test('a message with NUL bytes in headers and text is stored and returned exactly', async () => {
  const { user, box } = await newUser();
  const inbox = await box('INBOX');
  const raw = mail({ subject: 'nul\0here', text: 'body\0with nul\r\n' });
  const res = await t.store.messages.add({ user, mailbox: inbox.id, raw });
  const s = await t.store.messages.openRaw(inbox.user, inbox.id, res.uid);
  assert.deepEqual(await buffer(s!.stream), raw);
  assert.deepEqual(await t.store.messages.search(inbox.user, inbox.id, { type: 'body', value: 'with nul' }), [
    res.uid,
  ]);
});

test('flags: add/remove/set give a new MODSEQ per changed message; UNCHANGEDSINCE', async () => {
  const { user, box } = await newUser();
  const inbox = await box('INBOX');
  const raws = [0, 1, 2].map((i) => mail({ subject: `m${i}` }));
  for (const raw of raws) await t.store.messages.add({ user, mailbox: inbox.id, raw });
  let r = await t.store.messages.updateFlags({
    user,
    mailbox: inbox.id,
    uids: [[1, 3]],
    action: 'add',
    flags: ['\\Seen'],
  });
  assert.deepEqual(r, {
    updated: [
      { uid: 1, flags: ['\\Seen'], modseq: 4 },
      { uid: 2, flags: ['\\Seen'], modseq: 5 },
      { uid: 3, flags: ['\\Seen'], modseq: 6 },
    ],
    modified: [],
  });
  r = await t.store.messages.updateFlags({
    user,
    mailbox: inbox.id,
    uids: [2, 3],
    action: 'add',
    flags: ['\\seen'],
  });
  assert.deepEqual(r, { updated: [], modified: [] }, 'no change, no MODSEQ');
  r = await t.store.messages.updateFlags({
    user,
    mailbox: inbox.id,
    uids: [2],
    action: 'set',
    flags: ['\\Flagged', '\\Deleted', 'todo'],
  });
  assert.deepEqual(r, {
    updated: [{ uid: 2, flags: ['\\Flagged', '\\Deleted', 'todo'], modseq: 7 }],
    modified: [],
  });
  r = await t.store.messages.updateFlags({
    user,
    mailbox: inbox.id,
    uids: [[1, 3]],
    action: 'remove',
    flags: ['\\Seen', 'TODO'],
    unchangedSince: 5,
  });
  assert.deepEqual(r, { updated: [{ uid: 1, flags: [], modseq: 8 }], modified: [3, 2].sort() });
  assert.deepEqual(await t.store.mailboxes.status(user, inbox.id), {
    messages: 3,
    unseen: 2,
    size: raws.reduce((n, r) => n + r.length, 0),
    uidNext: 4,
    uidValidity: inbox.uidValidity,
    highestModseq: 8,
  });
  assert.deepEqual(
    (await journal(inbox.id, 3)).map((e) => [e.command, e.uid, e.modseq, e.flags]),
    [
      ['FETCH', 1, 4, ['\\Seen']],
      ['FETCH', 2, 5, ['\\Seen']],
      ['FETCH', 3, 6, ['\\Seen']],
      ['FETCH', 2, 7, ['\\Flagged', '\\Deleted', 'todo']],
      ['FETCH', 1, 8, []],
    ],
  );
});

test('expunge: \\Deleted only, UID EXPUNGE subset, and forced delete', async () => {
  const { user, box } = await newUser();
  const inbox = await box('INBOX');
  for (let i = 0; i < 5; i++) {
    await t.store.messages.add({
      user,
      mailbox: inbox.id,
      raw: mail({ subject: `m${i}` }),
      flags: i % 2 ? [] : ['\\Deleted'],
    });
  }
  // deleted: 1, 3, 5
  assert.deepEqual(await t.store.messages.expunge({ user, mailbox: inbox.id, uids: [[3, 5]] }), {
    uids: [3, 5],
  });
  assert.deepEqual(await t.store.messages.listUids(inbox.user, inbox.id), [1, 2, 4]);
  assert.deepEqual(await t.store.messages.expunge({ user, mailbox: inbox.id }), { uids: [1] });
  assert.deepEqual(await t.store.messages.expunge({ user, mailbox: inbox.id }), { uids: [] });
  assert.deepEqual(
    await t.store.messages.expunge({ user, mailbox: inbox.id, uids: [4], requireDeleted: false }),
    {
      uids: [4],
    },
  );
  assert.deepEqual(await t.store.messages.listUids(inbox.user, inbox.id), [2]);
  assert.equal(await storageOf(user), await sumSizes(user));
  assert.deepEqual(
    (await journal(inbox.id, 5)).map((e) => [e.command, e.uid, e.modseq]),
    [
      ['EXPUNGE', 3, 6],
      ['EXPUNGE', 5, 7],
      ['EXPUNGE', 1, 8],
      ['EXPUNGE', 4, 9],
    ],
  );
});

test('copy and move: UID maps, flags kept, storage and journal', async () => {
  const { user, box } = await newUser();
  const inbox = await box('INBOX');
  const archive = await box('Archive');
  const trash = await box('Trash');
  const att = bytes(5000, 3);
  for (let i = 0; i < 4; i++) {
    await t.store.messages.add({
      user,
      mailbox: inbox.id,
      raw: mail({ subject: `m${i}`, attachment: att }),
      flags: ['\\Seen'],
    });
  }
  const sha = (await t.db
    .collection('attachments.files')
    .findOne({ length: { $gt: 4000 } }, { sort: { _id: -1 } }))!.metadata.sha256 as string;
  assert.equal((await t.store.attachments.stat(sha))?.refs, 4);
  const c = await t.store.messages.copy({
    user,
    mailbox: inbox.id,
    uids: [2, [3, 4], 99],
    target: archive.id,
  });
  assert.deepEqual(c, {
    uidValidity: archive.uidValidity,
    map: [
      { source: 2, target: 1 },
      { source: 3, target: 2 },
      { source: 4, target: 3 },
    ],
  });
  assert.equal((await t.store.attachments.stat(sha))?.refs, 7);
  const copied = await all(t.store.messages.fetch(archive.user, archive.id, [[1, 3]], ['flags', 'subject']));
  assert.deepEqual(
    copied.map((m) => [m.uid, m.flags, m.subject]),
    [
      [1, ['\\Seen'], 'm1'],
      [2, ['\\Seen'], 'm2'],
      [3, ['\\Seen'], 'm3'],
    ],
  );
  assert.equal(await storageOf(user), await sumSizes(user));

  const m = await t.store.messages.move({ user, mailbox: inbox.id, uids: [[1, 2]], target: trash.id });
  assert.deepEqual(m, {
    uidValidity: trash.uidValidity,
    map: [
      { source: 1, target: 1 },
      { source: 2, target: 2 },
    ],
    expunged: [1, 2],
  });
  assert.deepEqual(await t.store.messages.listUids(inbox.user, inbox.id), [3, 4]);
  assert.deepEqual(await t.store.messages.listUids(trash.user, trash.id), [1, 2]);
  assert.equal((await t.store.attachments.stat(sha))?.refs, 7, 'a move changes no references');
  assert.equal(await storageOf(user), await sumSizes(user));
  assert.deepEqual(
    (await journal(trash.id)).map((e) => [e.command, e.uid]),
    [
      ['EXISTS', 1],
      ['EXISTS', 2],
    ],
  );
  assert.deepEqual(
    (await journal(inbox.id, 4)).map((e) => [e.command, e.uid, e.modseq]),
    [
      ['EXPUNGE', 1, 5],
      ['EXPUNGE', 2, 6],
    ],
  );
  const moved = await t.store.messages.openRaw(trash.user, trash.id, 2);
  assert.deepEqual(await buffer(moved!.stream), mail({ subject: 'm1', attachment: att }));
  await assert.rejects(t.store.messages.move({ user, mailbox: inbox.id, uids: [3], target: inbox.id }), (e) =>
    isStoreError(e, 'CANNOT'),
  );
});

test('a copy larger than one batch streams its sources: every message once, exact, in UID order', async () => {
  const { user, box } = await newUser();
  const inbox = await box('INBOX');
  const archive = await box('Archive');
  const att = bytes(3000, 7);
  const count = 260;
  const raws = Array.from({ length: count }, (_, i) =>
    mail({ subject: `big copy ${i}`, ...(i % 50 === 0 ? { attachment: att } : {}) }),
  );
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < count) {
        const i = next++;
        await t.store.messages.add({ user, mailbox: inbox.id, raw: raws[i]!, flags: [] });
      }
    }),
  );
  const byUid = new Map<number, Buffer>();
  for (const m of await all(t.store.messages.fetch(inbox.user, inbox.id, [[1, count]], ['subject']))) {
    byUid.set(m.uid, raws[Number(m.subject!.split(' ')[2])]!);
  }
  // gaps in the set: two messages gone before the copy
  await t.store.messages.expunge({ user, mailbox: inbox.id, uids: [10, 200], requireDeleted: false });
  const sha = (await t.db
    .collection('attachments.files')
    .findOne({ length: { $gt: 4000 } }, { sort: { _id: -1 } }))!.metadata.sha256 as string;
  const refsBefore = (await t.store.attachments.stat(sha))!.refs;

  const c = await t.store.messages.copy({
    user,
    mailbox: inbox.id,
    uids: [[1, count + 10]],
    target: archive.id,
  });
  const sources = [...byUid.keys()].filter((u) => u !== 10 && u !== 200).sort((a, b) => a - b);
  assert.deepEqual(
    c.map,
    sources.map((source, i) => ({ source, target: i + 1 })),
  );
  assert.equal((await t.store.attachments.stat(sha))!.refs, refsBefore * 2);
  assert.equal(await storageOf(user), await sumSizes(user));
  assert.equal((await journal(archive.id)).filter((e) => e.command === 'EXISTS').length, sources.length);
  for (const { source, target } of [c.map[0]!, c.map[99]!, c.map[c.map.length - 1]!]) {
    const copy = await t.store.messages.openRaw(archive.user, archive.id, target);
    assert.deepEqual(await buffer(copy!.stream), byUid.get(source), `copy of UID ${source}`);
  }
});

test('quota: an over-quota add or copy fails with OVERQUOTA and stores nothing', async () => {
  const raw = mail({ subject: 'q', attachment: bytes(4000, 11) });
  const { user, box } = await newUser(raw.length * 2 + 10);
  const inbox = await box('INBOX');
  const sent = await box('Sent');
  await t.store.messages.add({ user, mailbox: inbox.id, raw });
  await t.store.messages.add({ user, mailbox: inbox.id, raw });
  const filesBefore = await t.db.collection('attachments.files').find({}).toArray();
  await assert.rejects(t.store.messages.add({ user, mailbox: inbox.id, raw }), (e) =>
    isStoreError(e, 'OVERQUOTA'),
  );
  await assert.rejects(
    t.store.messages.add({ user, mailbox: inbox.id, raw: mail({ attachment: bytes(4000, 12) }) }),
    (e) => isStoreError(e, 'OVERQUOTA'),
  );
  await assert.rejects(t.store.messages.copy({ user, mailbox: inbox.id, uids: [1], target: sent.id }), (e) =>
    isStoreError(e, 'OVERQUOTA'),
  );
  assert.deepEqual(await t.db.collection('attachments.files').find({}).toArray(), filesBefore);
  assert.deepEqual(await t.store.messages.listUids(inbox.user, inbox.id), [1, 2]);
  assert.deepEqual(await t.store.messages.listUids(sent.user, sent.id), []);
  assert.equal(await storageOf(user), raw.length * 2);
  assert.deepEqual(
    (await journal(inbox.id)).map((e) => e.uid),
    [1, 2],
  );
  // a move is not limited by quota
  assert.equal(
    (await t.store.messages.move({ user, mailbox: inbox.id, uids: [1], target: sent.id })).map.length,
    1,
  );
  await t.store.users.update(user, { quota: 0 });
  await t.store.messages.add({ user, mailbox: inbox.id, raw });
  assert.equal(await storageOf(user), raw.length * 3);
});

test('20 parallel adds get distinct increasing UIDs and MODSEQs, journal in order', async () => {
  const { user, box } = await newUser();
  const inbox = await box('INBOX');
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      t.store.messages.add({
        user,
        mailbox: inbox.id,
        raw: mail({ subject: `p${i}`, attachment: bytes(2000, 100 + (i % 3)) }),
      }),
    ),
  );
  const uids = results.map((r) => r.uid).sort((a, b) => a - b);
  assert.deepEqual(
    uids,
    Array.from({ length: 20 }, (_, i) => i + 1),
  );
  assert.deepEqual(
    results.map((r) => r.modseq).sort((a, b) => a - b),
    Array.from({ length: 20 }, (_, i) => i + 1),
  );
  for (const r of results) assert.equal(r.modseq, r.uid, 'one allocation gives both');
  assert.deepEqual(await t.store.messages.listUids(inbox.user, inbox.id), uids);
  const j = await journal(inbox.id);
  assert.deepEqual(
    j.map((e) => [e.command, e.uid, e.modseq]),
    uids.map((u) => ['EXISTS', u, u]),
  );
  assert.equal(await storageOf(user), await sumSizes(user));
  // and flag changes racing with adds: the journal is written in MODSEQ order
  await Promise.all([
    ...Array.from({ length: 10 }, (_, i) =>
      t.store.messages.updateFlags({
        user,
        mailbox: inbox.id,
        uids: [i + 1],
        action: 'add',
        flags: ['\\Seen'],
      }),
    ),
    ...Array.from({ length: 10 }, (_, i) =>
      t.store.messages.add({ user, mailbox: inbox.id, raw: mail({ subject: `q${i}` }) }),
    ),
  ]);
  const written = await t.db
    .collection('journal')
    .find({ mailbox: new ObjectId(inbox.id) })
    .sort({ _id: 1 })
    .toArray();
  assert.deepEqual(
    written.map((e) => e.modseq),
    Array.from({ length: 40 }, (_, i) => i + 1),
  );
});

test('storageUsed equals the sum of sizes after a parallel mix of add/copy/move/expunge', async () => {
  const { user, box } = await newUser(10_000_000);
  const inbox = await box('INBOX');
  const archive = await box('Archive');
  const trash = await box('Trash');
  for (let i = 0; i < 10; i++) {
    await t.store.messages.add({
      user,
      mailbox: inbox.id,
      raw: mail({ subject: `s${i}`, attachment: bytes(3000, i % 2) }),
      flags: i % 3 ? [] : ['\\Deleted'],
    });
  }
  const ops: Array<Promise<unknown>> = [];
  for (let i = 0; i < 10; i++) {
    ops.push(
      t.store.messages.add({
        user,
        mailbox: inbox.id,
        raw: mail({ subject: `x${i}`, text: 'x'.repeat(i * 100) }),
      }),
    );
    ops.push(t.store.messages.copy({ user, mailbox: inbox.id, uids: [[1, 20]], target: archive.id }));
    ops.push(
      t.store.messages.move({ user, mailbox: inbox.id, uids: [i + 1], target: trash.id }).catch(() => null),
    );
    ops.push(t.store.messages.expunge({ user, mailbox: inbox.id }));
    ops.push(t.store.messages.expunge({ user, mailbox: archive.id }));
    ops.push(
      t.store.messages.updateFlags({
        user,
        mailbox: archive.id,
        uids: [[1, 1000]],
        action: 'add',
        flags: ['\\Deleted'],
      }),
    );
  }
  await Promise.all(ops);
  assert.equal(await storageOf(user), await sumSizes(user));
  // the references equal the number of messages holding each body, once the reaps are done
  await t.store.reap();
  assert.equal(await storageOf(user), await sumSizes(user));
  for (const f of await t.db.collection('attachments.files').find({}).toArray()) {
    const holders = await t.db.collection('messages').countDocuments({ attachmentRefs: f.metadata.sha256 });
    assert.equal(f.metadata.refs, holders, f.metadata.sha256);
  }
  const report = await t.store.sweep({ graceMs: 0 });
  assert.equal(report.storageFixed, 0);
  assert.equal(report.refsFixed, 0);
});

test('the sweep repairs storageUsed, uidNext and orphan messages; recountStorage', async () => {
  const { user, box } = await newUser();
  const inbox = await box('INBOX');
  const gone = await t.store.mailboxes.create(user, 'Gone');
  await t.store.messages.add({ user, mailbox: inbox.id, raw: mail() });
  await t.store.messages.add({ user, mailbox: gone.id, raw: mail({ attachment: bytes(3000, 31) }) });
  const sha = (await t.db.collection('messages').findOne({ mailbox: new ObjectId(gone.id) }))!
    .attachmentRefs[0];
  // what a crash can leave: a mailbox document gone but not its messages, counters off
  await t.db.collection('mailboxes').deleteOne({ _id: new ObjectId(gone.id) });
  await t.db.collection('users').updateOne({ _id: new ObjectId(user) }, { $set: { storageUsed: 12345 } });
  await t.db
    .collection('mailboxes')
    .updateOne({ _id: new ObjectId(inbox.id) }, { $set: { uidNext: 1, modifyIndex: 0 } });
  const report = await t.store.sweep({ graceMs: 0 });
  assert.equal(report.orphanMessages, 1);
  assert.ok(report.storageFixed >= 1);
  assert.ok(report.mailboxesFixed >= 1);
  assert.equal(await t.store.attachments.stat(sha), null, 'its attachment went with it');
  assert.equal(await storageOf(user), await sumSizes(user));
  const fixed = await box('INBOX');
  assert.equal(fixed.uidNext, 2);
  assert.equal(fixed.modifyIndex, 1);
  assert.equal((await t.store.messages.add({ user, mailbox: inbox.id, raw: mail() })).uid, 2);
  await t.db.collection('users').updateOne({ _id: new ObjectId(user) }, { $set: { storageUsed: 1 } });
  assert.equal(await t.store.users.recountStorage(user), await sumSizes(user));
  assert.equal(await storageOf(user), await sumSizes(user));
});

test('search building blocks', async () => {
  const { user, box } = await newUser();
  const inbox = await box('INBOX');
  const add = (raw: Buffer, flags: string[] = [], idate?: Date) =>
    t.store.messages.add({ user, mailbox: inbox.id, raw, flags, ...(idate ? { idate } : {}) });
  await add(
    mail({ subject: 'Quarterly Report', from: 'Ana <ana@corp.example>', text: 'Numbers GROW nicely.\r\n' }),
    ['\\Seen'],
    new Date('2026-01-10T12:00:00Z'),
  );
  await add(
    mail({
      subject: 'Lunch?',
      from: 'Bo <bo@food.example>',
      cc: 'Ana <ana@corp.example>',
      text: 'Pizza or sushi\r\n',
    }),
    ['\\Flagged'],
    new Date('2026-02-10T12:00:00Z'),
  );
  await add(
    mail({
      subject: 'Grüße aus München',
      text: 'ÄRGER mit dem Straßenbau\r\n',
      extraHeaders: ['X-Tracker: abc.123'],
    }),
    ['urgent'],
    new Date('2026-03-10T12:00:00Z'),
  );
  await add(
    mail({ subject: 'Big one', attachment: bytes(5000, 5), text: 'regex chars .*+?\r\n' }),
    [],
    new Date('2026-03-20T12:00:00Z'),
  );
  const s = (q: Parameters<typeof t.store.messages.search>[2]) =>
    t.store.messages.search(inbox.user, inbox.id, q);
  assert.deepEqual(await s({ type: 'all' }), [1, 2, 3, 4]);
  assert.deepEqual(await s({ type: 'flag', flag: '\\Seen', set: false }), [2, 3, 4]);
  assert.deepEqual(await s({ type: 'flag', flag: 'URGENT', set: true }), [3]);
  assert.deepEqual(await s({ type: 'subject', value: 'report' }), [1]);
  assert.deepEqual(await s({ type: 'subject', value: 'GRÜSSE' }), [], 'ß is not folded to ss');
  assert.deepEqual(await s({ type: 'subject', value: 'grüße' }), [3]);
  assert.deepEqual(await s({ type: 'from', value: 'ANA@corp' }), [1]);
  assert.deepEqual(await s({ type: 'cc', value: 'ana' }), [2]);
  assert.deepEqual(await s({ type: 'body', value: 'grow' }), [1]);
  assert.deepEqual(await s({ type: 'body', value: 'ärger' }), [3]);
  assert.deepEqual(await s({ type: 'body', value: '.*+?' }), [4], 'regex characters are literal');
  assert.deepEqual(await s({ type: 'text', value: 'sushi' }), [2]);
  assert.deepEqual(await s({ type: 'text', value: 'bo@food' }), [2]);
  assert.deepEqual(await s({ type: 'header', name: 'x-tracker', value: 'ABC.1' }), [3]);
  assert.deepEqual(await s({ type: 'header', name: 'X-Tracker', value: '' }), [3]);
  assert.deepEqual(
    await s({ type: 'idate', gte: new Date('2026-02-01T00:00:00Z'), lt: new Date('2026-03-15T00:00:00Z') }),
    [2, 3],
  );
  assert.deepEqual(
    await s({ type: 'hdate', gte: new Date('2026-03-03T00:00:00Z'), lt: new Date('2026-03-04T00:00:00Z') }),
    [1, 2, 3, 4],
  );
  assert.deepEqual(await s({ type: 'size', gt: 3000 }), [4]);
  assert.deepEqual(await s({ type: 'uid', uids: [[2, 3]] }), [2, 3]);
  assert.deepEqual(await s({ type: 'not', key: { type: 'uid', uids: [[2, 3]] } }), [1, 4]);
  assert.deepEqual(
    await s({
      type: 'or',
      keys: [
        { type: 'flag', flag: '\\Flagged', set: true },
        { type: 'body', value: 'grow' },
      ],
    }),
    [1, 2],
  );
  assert.deepEqual(
    await s({
      type: 'and',
      keys: [
        { type: 'flag', flag: '\\Seen', set: false },
        { type: 'text', value: 'e' },
        { type: 'size', lt: 3000 },
      ],
    }),
    [2, 3],
  );
  await t.store.messages.updateFlags({
    user,
    mailbox: inbox.id,
    uids: [4],
    action: 'add',
    flags: ['\\Seen'],
  });
  assert.deepEqual(await s({ type: 'modseq', gte: 5 }), [4]);
});

test('a subscriber hears beacons for add, flag change and expunge', async () => {
  const { user, box } = await newUser();
  const inbox = await box('INBOX');
  const heard: Array<{ command: string; uid: number; modseq: number }> = [];
  const global: string[] = [];
  const unsub = await t.store.notify.subscribe(user, (b) =>
    heard.push({ command: b.command, uid: b.uid, modseq: b.modseq }),
  );
  const unsubAll = await t.store.notify.subscribeAll((b) => {
    if (b.user === user) global.push(b.command);
  });
  const waitCount = async (k: number) => {
    for (let i = 0; i < 500 && heard.length < k; i++) await new Promise((r) => setTimeout(r, 10));
  };
  await t.store.messages.add({ user, mailbox: inbox.id, raw: mail() });
  await waitCount(1);
  await t.store.messages.updateFlags({
    user,
    mailbox: inbox.id,
    uids: [1],
    action: 'add',
    flags: ['\\Deleted'],
  });
  await waitCount(2);
  await t.store.messages.expunge({ user, mailbox: inbox.id });
  await waitCount(3);
  assert.deepEqual(heard, [
    { command: 'EXISTS', uid: 1, modseq: 1 },
    { command: 'FETCH', uid: 1, modseq: 2 },
    { command: 'EXPUNGE', uid: 1, modseq: 3 },
  ]);
  assert.deepEqual(global, ['EXISTS', 'FETCH', 'EXPUNGE']);
  assert.deepEqual(
    (await journal(inbox.id)).map((e) => [e.command, e.uid, e.modseq]),
    [
      ['EXISTS', 1, 1],
      ['FETCH', 1, 2],
      ['EXPUNGE', 1, 3],
    ],
  );
  await unsub();
  await unsubAll();
});

test('INBOX rename moves its messages to the new mailbox and leaves INBOX empty', async () => {
  const { user, box } = await newUser();
  const inbox = await box('INBOX');
  await t.store.mailboxes.create(user, 'INBOX/Child');
  for (let i = 0; i < 3; i++)
    await t.store.messages.add({ user, mailbox: inbox.id, raw: mail({ subject: `i${i}` }) });
  const renamed = await t.store.mailboxes.rename(user, 'inbox', 'Old Inbox');
  assert.equal(renamed.path, 'Old Inbox');
  assert.notEqual(renamed.id, inbox.id);
  assert.equal(renamed.uidNext, 4);
  assert.deepEqual(await t.store.messages.listUids(renamed.user, renamed.id), [1, 2, 3]);
  assert.deepEqual(await t.store.messages.listUids(inbox.user, inbox.id), []);
  const after = await box('INBOX');
  assert.equal(after.id, inbox.id);
  assert.equal(after.uidValidity, inbox.uidValidity);
  assert.ok(await t.store.mailboxes.get(user, 'INBOX/Child'), 'children of INBOX stay');
  assert.deepEqual(
    (await all(t.store.messages.fetch(renamed.user, renamed.id, [[1, 3]], ['subject']))).map(
      (m) => m.subject,
    ),
    ['i0', 'i1', 'i2'],
  );
  assert.equal(await storageOf(user), await sumSizes(user));
});

test('deleting a mailbox or a user releases storage and attachment references', async () => {
  const { user, box } = await newUser();
  const inbox = await box('INBOX');
  const f = await t.store.mailboxes.create(user, 'Folder');
  const att = bytes(6000, 77);
  for (let i = 0; i < 2; i++)
    await t.store.messages.add({ user, mailbox: f.id, raw: mail({ attachment: att }) });
  await t.store.messages.add({ user, mailbox: inbox.id, raw: mail({ attachment: att }) });
  const file = (await t.db
    .collection('attachments.files')
    .findOne({ length: { $gt: 6000 } }, { sort: { _id: -1 } }))!;
  const sha = file.metadata.sha256 as string;
  assert.equal((await t.store.attachments.stat(sha))?.refs, 3);
  await t.store.mailboxes.delete(user, 'Folder');
  assert.equal((await t.store.attachments.stat(sha))?.refs, 1);
  assert.equal(await storageOf(user), await sumSizes(user));
  assert.equal(await t.db.collection('messages').countDocuments({ mailbox: new ObjectId(f.id) }), 0);
  await t.store.users.delete(user);
  assert.equal((await t.store.attachments.stat(sha))?.refs, 0);
  assert.equal(await t.db.collection('messages').countDocuments({ user: new ObjectId(user) }), 0);
  assert.equal(await t.db.collection('journal').countDocuments({ user: new ObjectId(user) }), 0);
});

test('listMailbox gives the UIDs and the first unseen UID in one pass', async () => {
  const { user, box } = await newUser();
  const inbox = await box('INBOX');
  assert.deepEqual(await t.store.messages.listMailbox(inbox.user, inbox.id), { uids: [], firstUnseen: null });
  for (const flags of [['\\Seen'], ['\\Seen'], [], []]) {
    await t.store.messages.add({ user, mailbox: inbox.id, raw: mail({ subject: 's' }), flags });
  }
  assert.deepEqual(await t.store.messages.listMailbox(inbox.user, inbox.id), {
    uids: [1, 2, 3, 4],
    firstUnseen: 3,
  });
  await t.store.messages.updateFlags({
    user,
    mailbox: inbox.id,
    uids: [[1, 4]],
    action: 'add',
    flags: ['\\Seen'],
  });
  assert.deepEqual(await t.store.messages.listMailbox(inbox.user, inbox.id), {
    uids: [1, 2, 3, 4],
    firstUnseen: null,
  });
});
