// CONTEXT=SEARCH and CONTEXT=SORT (RFC 5267 §4): SEARCH / SORT RETURN (UPDATE) keeps the result
// live and reports its changes as ESEARCH ADDTO / REMOVEFROM where the session may speak (after a
// command, NOOP, IDLE), with positions in a sorted result; CANCELUPDATE ends it, a session holds at
// most MAX_SEARCH_CONTEXTS ([NOUPDATE] beyond), and PARTIAL's errors. Raw sockets, two connections: one watches, the other changes the mailbox.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RawImap } from './_client.ts';
import { startImap, type ImapTestEnv } from './_setup.ts';
import { MAX_SEARCH_CONTEXTS } from '../../server/imap/limits.ts';

let env: ImapTestEnv;
let a: RawImap;
let b: RawImap;

function message(subject: string, body: string): string {
  return `From: x@example.test\r\nSubject: ${subject}\r\n\r\n${body}\r\n`;
}

async function append(
  c: RawImap,
  box: string,
  flags: string,
  subject: string,
  body = 'plain',
): Promise<void> {
  const m = message(subject, body);
  const r = await c.command('ap', `APPEND ${box} (${flags}) {${Buffer.byteLength(m)}+}\r\n${m}`);
  assert.match(r[r.length - 1]!, /^ap OK/, r.join('\n'));
}

const esearch = (lines: string[]) => lines.filter((l) => l.startsWith('* ESEARCH'));

/** A new mailbox with `n` plain messages (UIDs 1…n), selected on both connections. */
async function mailbox(name: string, n: number): Promise<void> {
  await a.command('cr', `CREATE ${name}`);
  for (let i = 1; i <= n; i++) await append(a, name, '', `m${i}`);
  await a.command('sa', `SELECT ${name}`);
  await b.command('sb', `SELECT ${name}`);
}

before(async () => {
  env = await startImap();
  a = await env.login();
  b = await env.login();
});
after(async () => {
  a.close();
  b.close();
  await env.srv.stop();
});

test('CAPABILITY lists CONTEXT=SEARCH and CONTEXT=SORT', async () => {
  const caps = (await a.command('c1', 'CAPABILITY'))[0]!.split(' ');
  assert.ok(caps.includes('CONTEXT=SEARCH'));
  assert.ok(caps.includes('CONTEXT=SORT'));
});

test('flag changes by another session: ADDTO and REMOVEFROM at NOOP, UIDs after UID SEARCH', async () => {
  await mailbox('Flags', 4);
  await b.command('f0', 'STORE 2 +FLAGS (\\Flagged)');
  await a.command('n0', 'NOOP');
  assert.deepEqual(await a.command('B01', 'UID SEARCH RETURN (UPDATE) FLAGGED'), [
    '* ESEARCH (TAG "B01") UID ALL 2',
    'B01 OK UID SEARCH completed',
  ]);
  await b.command('f1', 'STORE 3:4 +FLAGS (\\Flagged)');
  const n1 = await a.command('n1', 'NOOP');
  assert.deepEqual(esearch(n1), ['* ESEARCH (TAG "B01") UID ADDTO (0 3:4)']);
  // the FETCH that shows the change comes first
  const fetched = n1.findIndex((l) => l.startsWith('* 4 FETCH'));
  assert.ok(fetched >= 0 && fetched < n1.indexOf('* ESEARCH (TAG "B01") UID ADDTO (0 3:4)'), n1.join('\n'));
  await b.command('f2', 'STORE 2 -FLAGS (\\Flagged)');
  assert.deepEqual(esearch(await a.command('n2', 'NOOP')), ['* ESEARCH (TAG "B01") UID REMOVEFROM (0 2)']);
  // nothing changed: nothing said
  assert.deepEqual(await a.command('n3', 'NOOP'), ['n3 OK NOOP completed']);
  // a change that does not touch the result says nothing about it either
  await b.command('f3', 'STORE 1 +FLAGS (\\Seen)');
  assert.deepEqual(esearch(await a.command('n4', 'NOOP')), []);
});

test("the session's own STORE is reported before its tagged OK, in message numbers after SEARCH", async () => {
  await mailbox('Own', 3);
  assert.deepEqual(await a.command('C01', 'SEARCH RETURN (UPDATE COUNT) UNSEEN'), [
    '* ESEARCH (TAG "C01") COUNT 3',
    'C01 OK SEARCH completed',
  ]);
  assert.deepEqual(await a.command('s1', 'STORE 2 +FLAGS (\\Seen)'), [
    '* 2 FETCH (FLAGS (\\Seen \\Recent))',
    '* ESEARCH (TAG "C01") REMOVEFROM (0 2)',
    's1 OK STORE completed',
  ]);
  assert.deepEqual(await a.command('s2', 'STORE 2 -FLAGS.SILENT (\\Seen)'), [
    '* ESEARCH (TAG "C01") ADDTO (0 2)',
    's2 OK STORE completed',
  ]);
});

test('content keys: new messages are evaluated on arrival, and flag changes still count', async () => {
  await mailbox('Text', 0);
  await append(a, 'Text', '', 'one', 'the needle is here');
  await append(a, 'Text', '', 'two', 'nothing');
  await a.command('s0', 'SELECT Text');
  assert.deepEqual(await a.command('D01', 'UID SEARCH RETURN (UPDATE) UNSEEN BODY needle'), [
    '* ESEARCH (TAG "D01") UID ALL 1',
    'D01 OK UID SEARCH completed',
  ]);
  await append(b, 'Text', '', 'three', 'another needle');
  await append(b, 'Text', '', 'four', 'no match');
  const n1 = await a.command('n1', 'NOOP');
  assert.deepEqual(esearch(n1), ['* ESEARCH (TAG "D01") UID ADDTO (0 3)']);
  // the client learns of the message before the context names it
  assert.ok(n1.indexOf('* 4 EXISTS') >= 0 && n1.indexOf('* 4 EXISTS') < n1.indexOf(esearch(n1)[0]!));
  // the BODY answer for UID 1 is remembered; only \Seen decides
  await b.command('f1', 'UID STORE 1 +FLAGS (\\Seen)');
  assert.deepEqual(esearch(await a.command('n2', 'NOOP')), ['* ESEARCH (TAG "D01") UID REMOVEFROM (0 1)']);
  await b.command('f2', 'UID STORE 1 -FLAGS (\\Seen)');
  assert.deepEqual(esearch(await a.command('n3', 'NOOP')), ['* ESEARCH (TAG "D01") UID ADDTO (0 1)']);
});

test('an expunged message leaves the result before its EXPUNGE, while its number is still valid', async () => {
  await mailbox('Gone', 4);
  assert.deepEqual(await a.command('E01', 'SEARCH RETURN (UPDATE) 2:4'), [
    '* ESEARCH (TAG "E01") ALL 2:4',
    'E01 OK SEARCH completed',
  ]);
  await b.command('x1', 'STORE 3 +FLAGS.SILENT (\\Deleted)');
  await b.command('x2', 'EXPUNGE');
  const n1 = await a.command('n1', 'NOOP');
  // message numbers: an unmodified repeat of SEARCH 2:4 now matches messages 2 and 3 (UIDs 2, 4)
  assert.deepEqual(n1, ['* ESEARCH (TAG "E01") REMOVEFROM (0 3)', '* 3 EXPUNGE', 'n1 OK NOOP completed']);
});

test("the session's own EXPUNGE and MOVE: REMOVEFROM before each EXPUNGE", async () => {
  await mailbox('OwnGone', 4);
  await a.command('O01', 'SEARCH RETURN (UPDATE) ALL');
  await a.command('d1', 'STORE 2 +FLAGS.SILENT (\\Deleted)');
  assert.deepEqual(await a.command('x1', 'EXPUNGE'), [
    '* ESEARCH (TAG "O01") REMOVEFROM (0 2)',
    '* 2 EXPUNGE',
    'x1 OK EXPUNGE completed',
  ]);
  const m1 = await a.command('m1', 'MOVE 3 INBOX');
  assert.deepEqual(
    m1.filter((l) => !l.startsWith('* OK [COPYUID')),
    ['* ESEARCH (TAG "O01") REMOVEFROM (0 3)', '* 3 EXPUNGE', 'm1 OK MOVE completed'],
  );
});

test('IDLE pushes the changes as they happen', async () => {
  await mailbox('Idle', 2);
  await a.command('I01', 'UID SEARCH RETURN (UPDATE) FLAGGED');
  a.write('i1 IDLE\r\n');
  assert.equal(await a.response(), '+ idling');
  await b.command('f1', 'STORE 1 +FLAGS (\\Flagged)');
  const pushed: string[] = [];
  while (!pushed.some((l) => l.startsWith('* ESEARCH'))) {
    const r = await a.response(5000);
    if (r === null) break;
    pushed.push(r);
  }
  assert.deepEqual(esearch(pushed), ['* ESEARCH (TAG "I01") UID ADDTO (0 1)']);
  a.write('DONE\r\n');
  assert.deepEqual(await a.until('i1'), ['i1 OK IDLE terminated']);
});

test('CANCELUPDATE ends a live search; its errors', async () => {
  await mailbox('Cancel', 2);
  await a.command('K01', 'UID SEARCH RETURN (UPDATE) FLAGGED');
  await a.command('K02', 'UID SEARCH RETURN (UPDATE) SEEN');
  assert.deepEqual(await a.command('k1', 'CANCELUPDATE'), ['k1 BAD CANCELUPDATE needs the tag of a search']);
  assert.deepEqual(await a.command('k2', 'CANCELUPDATE K01'), ['k2 BAD A search tag is a quoted string']);
  // all or nothing: an unknown tag cancels none
  assert.deepEqual(await a.command('k3', 'CANCELUPDATE "K01" "nope"'), [
    'k3 NO No live search has the tag "nope"',
  ]);
  assert.deepEqual(await a.command('k4', 'CANCELUPDATE "K01"'), ['k4 OK CANCELUPDATE completed']);
  await b.command('f1', 'STORE 1 +FLAGS (\\Flagged \\Seen)');
  assert.deepEqual(esearch(await a.command('n1', 'NOOP')), ['* ESEARCH (TAG "K02") UID ADDTO (0 1)']);
  assert.deepEqual(await a.command('k5', 'CANCELUPDATE "K01"'), ['k5 NO No live search has the tag "K01"']);
  // leaving the mailbox ends the rest
  await a.command('s1', 'SELECT Cancel');
  await b.command('f2', 'STORE 2 +FLAGS (\\Seen)');
  assert.deepEqual(esearch(await a.command('n2', 'NOOP')), []);
  assert.deepEqual(await a.command('k6', 'CANCELUPDATE "K02"'), ['k6 NO No live search has the tag "K02"']);
});

test(`at most ${MAX_SEARCH_CONTEXTS} live searches: the next is answered with [NOUPDATE]`, async () => {
  await mailbox('Many', 2);
  for (let i = 0; i < MAX_SEARCH_CONTEXTS; i++) {
    const r = await a.command(`M${i}`, 'UID SEARCH RETURN (UPDATE) FLAGGED');
    assert.equal(r[r.length - 1], `M${i} OK UID SEARCH completed`);
  }
  assert.deepEqual(await a.command('MX', 'UID SEARCH RETURN (UPDATE COUNT) ALL'), [
    '* ESEARCH (TAG "MX") UID COUNT 2',
    'MX OK [NOUPDATE "MX"] UID SEARCH completed; too many live searches, this one is not kept up to date',
  ]);
  await b.command('f1', 'STORE 2 +FLAGS (\\Flagged)');
  const n1 = esearch(await a.command('n1', 'NOOP'));
  assert.equal(n1.length, MAX_SEARCH_CONTEXTS);
  assert.ok(
    n1.every((l) => /^\* ESEARCH \(TAG "M\d+"\) UID ADDTO \(0 2\)$/.test(l)),
    n1.join('\n'),
  );
  // a cancelled one makes room again
  await a.command('k1', 'CANCELUPDATE "M0"');
  const r = await a.command('MY', 'UID SEARCH RETURN (UPDATE) ALL');
  assert.equal(r[r.length - 1], 'MY OK UID SEARCH completed');
});

test('PARTIAL (RFC 5267 §4.4) with UPDATE, and its errors', async () => {
  await mailbox('Part', 5);
  assert.deepEqual(await a.command('P01', 'UID SEARCH RETURN (UPDATE PARTIAL 2:3) ALL'), [
    '* ESEARCH (TAG "P01") UID PARTIAL (2:3 2:3)',
    'P01 OK UID SEARCH completed',
  ]);
  // CONTEXT is a hint (RFC 5267 §4.2): accepted
  assert.deepEqual(await a.command('P02', 'SEARCH RETURN (CONTEXT COUNT) ALL'), [
    '* ESEARCH (TAG "P02") COUNT 5',
    'P02 OK SEARCH completed',
  ]);
  assert.deepEqual(await a.command('P03', 'SEARCH RETURN (PARTIAL 0:2) ALL'), ['P03 BAD Invalid number: 0']);
  assert.deepEqual(await a.command('P04', 'SEARCH RETURN (PARTIAL 1:2 PARTIAL 3:4) ALL'), [
    'P04 BAD PARTIAL given twice',
  ]);
  assert.deepEqual(await a.command('P05', 'SEARCH RETURN (PARTIAL 1-2) ALL'), [
    'P05 BAD Invalid partial range',
  ]);
  assert.deepEqual(await a.command('P06', 'SEARCH RETURN (PARTIAL) ALL'), [
    'P06 BAD Missing or invalid partial range',
  ]);
  // the live PARTIAL search reports on its whole result
  await b.command('x1', 'STORE 1 +FLAGS.SILENT (\\Deleted)');
  await b.command('x2', 'EXPUNGE');
  assert.deepEqual(await a.command('n1', 'NOOP'), [
    '* ESEARCH (TAG "P01") UID REMOVEFROM (0 1)',
    '* 1 EXPUNGE',
    'n1 OK NOOP completed',
  ]);
});

test('CONTEXT=SORT: ADDTO and REMOVEFROM name positions in the sorted result', async () => {
  await mailbox('Sorted', 0);
  for (const subject of ['c', 'a', 'b']) await append(a, 'Sorted', '', subject);
  await a.command('s0', 'SELECT Sorted');
  assert.deepEqual(await a.command('S01', 'UID SORT RETURN (UPDATE) (SUBJECT) UTF-8 UNSEEN'), [
    '* ESEARCH (TAG "S01") UID ALL 2:3,1',
    'S01 OK UID SORT completed',
  ]);
  // "ab" sorts second
  await append(b, 'Sorted', '', 'ab');
  assert.deepEqual(esearch(await a.command('n1', 'NOOP')), ['* ESEARCH (TAG "S01") UID ADDTO (2 4)']);
  // a, ab, b, c: "b" leaves from position 3
  await b.command('f1', 'UID STORE 3 +FLAGS (\\Seen)');
  assert.deepEqual(esearch(await a.command('n2', 'NOOP')), ['* ESEARCH (TAG "S01") UID REMOVEFROM (3 3)']);
  // a, ab, c: two leave, the highest position first
  await b.command('f2', 'UID STORE 1:2 +FLAGS (\\Seen)');
  assert.deepEqual(esearch(await a.command('n3', 'NOOP')), [
    '* ESEARCH (TAG "S01") UID REMOVEFROM (3 1 1 2)',
  ]);
  // ab alone; three come back: a at 1, then b and c at 3 and 4
  await b.command('f3', 'UID STORE 1:3 -FLAGS (\\Seen)');
  assert.deepEqual(esearch(await a.command('n4', 'NOOP')), ['* ESEARCH (TAG "S01") UID ADDTO (1 2 3 3,1)']);
  assert.deepEqual(
    await a.command('S02', 'UID SORT RETURN (ALL) (SUBJECT) UTF-8 UNSEEN'),
    // a fresh SORT agrees with what the updates built
    ['* ESEARCH (TAG "S02") UID ALL 2,4,3,1', 'S02 OK UID SORT completed'],
  );
});

test('CONTEXT=SORT in message numbers: an expunge is removed at its position before EXPUNGE', async () => {
  await mailbox('SortedSeq', 4);
  assert.deepEqual(await a.command('T01', 'SORT RETURN (UPDATE COUNT) (REVERSE ARRIVAL) UTF-8 ALL'), [
    '* ESEARCH (TAG "T01") COUNT 4',
    'T01 OK SORT completed',
  ]);
  await b.command('x1', 'STORE 2 +FLAGS.SILENT (\\Deleted)');
  await b.command('x2', 'EXPUNGE');
  // 4, 3, 2, 1: message 2 is third
  assert.deepEqual(await a.command('n1', 'NOOP'), [
    '* ESEARCH (TAG "T01") REMOVEFROM (3 2)',
    '* 2 EXPUNGE',
    'n1 OK NOOP completed',
  ]);
  await append(b, 'SortedSeq', '', 'new');
  const n2 = await a.command('n2', 'NOOP');
  assert.deepEqual(esearch(n2), ['* ESEARCH (TAG "T01") ADDTO (1 4)']);
  assert.ok(n2.indexOf('* 4 EXISTS') >= 0 && n2.indexOf('* 4 EXISTS') < n2.indexOf(esearch(n2)[0]!));
  assert.deepEqual(await a.command('c1', 'CANCELUPDATE "T01"'), ['c1 OK CANCELUPDATE completed']);
});
