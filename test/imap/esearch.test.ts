// ESEARCH (RFC 4731), SEARCHRES (RFC 5182), the PARTIAL result option (RFC 5267 §4.4) and WITHIN
// (RFC 5032) over a raw socket, whole responses asserted; the mailbox mirrors RFC 4731's examples.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RawImap } from './_client.ts';
import { startImap, type ImapTestEnv } from './_setup.ts';

let env: ImapTestEnv;
let c: RawImap;

function message(i: number, from: string): string {
  return `From: ${from}\r\nTo: alice@example.test\r\nSubject: message ${i}\r\n\r\nbody ${i}\r\n`;
}

async function append(tag: string, flags: string, date: string | null, body: string): Promise<void> {
  const d = date ? ` "${date}"` : '';
  const r = await c.command(tag, `APPEND INBOX (${flags})${d} {${Buffer.byteLength(body)}+}\r\n${body}`);
  assert.match(r[r.length - 1]!, new RegExp(`^${tag} OK`), r.join('\n'));
}

before(async () => {
  env = await startImap();
  c = await env.login();
  // two messages expunged first, so UIDs (3…14) differ from message numbers (1…12)
  await append('p1', '\\Deleted', null, message(0, 'x@example.test'));
  await append('p2', '\\Deleted', null, message(0, 'x@example.test'));
  await c.command('p3', 'SELECT INBOX');
  await c.command('p4', 'EXPUNGE');
  // messages 2, 5, 7, 10 and 11 are flagged; 5 is from Smith; 7 arrived in January 1994;
  // 12 arrives now, all others in March 1994
  for (let i = 1; i <= 12; i++) {
    const flagged = [2, 5, 7, 10, 11].includes(i) ? '\\Flagged' : '';
    const date =
      i === 12 ? null : i === 7 ? '15-Jan-1994 10:00:00 +0000' : `0${(i % 9) + 1}-Mar-1994 10:00:00 +0000`;
    const from = i === 5 ? 'Smith <smith@example.test>' : 'Jones <jones@example.test>';
    await append(`m${i}`, flagged, date, message(i, from));
  }
  await c.command('p5', 'CREATE Saved');
  await c.command('p6', 'SELECT INBOX');
});
after(async () => {
  c.close();
  await env.srv.stop();
});

test('CAPABILITY lists ESEARCH, SEARCHRES and WITHIN', async () => {
  const r = await c.command('c1', 'CAPABILITY');
  const caps = r[0]!.split(' ');
  for (const cap of ['ESEARCH', 'SEARCHRES', 'WITHIN']) assert.ok(caps.includes(cap), cap);
});

test('ESEARCH: RFC 4731 §3.1 examples, MIN MAX ALL COUNT, UID, nothing found', async () => {
  assert.deepEqual(
    await c.command('A282', 'SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"'),
    ['* ESEARCH (TAG "A282") MIN 2 COUNT 3', 'A282 OK SEARCH completed'],
  );
  assert.deepEqual(await c.command('A283', 'SEARCH RETURN () FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"'), [
    '* ESEARCH (TAG "A283") ALL 2,10:11',
    'A283 OK SEARCH completed',
  ]);
  assert.deepEqual(await c.command('A284', 'SEARCH RETURN (MIN) FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"'), [
    '* ESEARCH (TAG "A284") MIN 2',
    'A284 OK SEARCH completed',
  ]);
  assert.deepEqual(await c.command('A285', 'UID SEARCH RETURN (MIN MAX) 1:5000'), [
    '* ESEARCH (TAG "A285") UID MIN 3 MAX 14',
    'A285 OK UID SEARCH completed',
  ]);
  assert.deepEqual(await c.command('A286', 'UID SEARCH RETURN (ALL MAX COUNT) FLAGGED'), [
    '* ESEARCH (TAG "A286") UID MAX 13 ALL 4,7,9,12:13 COUNT 5',
    'A286 OK UID SEARCH completed',
  ]);
  assert.deepEqual(await c.command('A287', 'SEARCH RETURN (COUNT) DELETED'), [
    '* ESEARCH (TAG "A287") COUNT 0',
    'A287 OK SEARCH completed',
  ]);
  // RFC 4731 §3.1: MIN, MAX and ALL are left out when nothing matched
  assert.deepEqual(await c.command('A288', 'SEARCH RETURN (MIN MAX ALL) DELETED'), [
    '* ESEARCH (TAG "A288")',
    'A288 OK SEARCH completed',
  ]);
  assert.deepEqual(await c.command('A289', 'SEARCH RETURN (ALL) CHARSET UTF-8 FROM "jones" 1:4'), [
    '* ESEARCH (TAG "A289") ALL 1:4',
    'A289 OK SEARCH completed',
  ]);
  // plain SEARCH is unchanged
  assert.deepEqual(await c.command('A290', 'SEARCH FLAGGED'), [
    '* SEARCH 2 5 7 10 11',
    'A290 OK SEARCH completed',
  ]);
});

test('ESEARCH PARTIAL (RFC 5267 §4.4): a window of the result, NIL past its end', async () => {
  assert.deepEqual(await c.command('P1', 'SEARCH RETURN (PARTIAL 2:3) FLAGGED'), [
    '* ESEARCH (TAG "P1") PARTIAL (2:3 5,7)',
    'P1 OK SEARCH completed',
  ]);
  assert.deepEqual(await c.command('P2', 'UID SEARCH RETURN (COUNT PARTIAL 4:9) FLAGGED'), [
    '* ESEARCH (TAG "P2") UID COUNT 5 PARTIAL (4:9 12:13)',
    'P2 OK UID SEARCH completed',
  ]);
  assert.deepEqual(await c.command('P3', 'SEARCH RETURN (PARTIAL 9:10) FLAGGED'), [
    '* ESEARCH (TAG "P3") PARTIAL (9:10 NIL)',
    'P3 OK SEARCH completed',
  ]);
});

test('ESEARCH errors: unknown options, a RETURN without list, RETURN after CHARSET, charsets', async () => {
  assert.deepEqual(await c.command('E1', 'SEARCH RETURN (FOO) ALL'), ['E1 BAD Unknown return option: FOO']);
  assert.deepEqual(await c.command('E2', 'SEARCH RETURN MIN ALL'), ['E2 BAD RETURN needs a list of options']);
  assert.deepEqual(await c.command('E3', 'SEARCH RETURN (ALL PARTIAL 1:2) ALL'), [
    'E3 BAD ALL and PARTIAL are mutually exclusive',
  ]);
  assert.deepEqual(await c.command('E4', 'SEARCH RETURN (PARTIAL 0:2) ALL'), ['E4 BAD Invalid number: 0']);
  assert.deepEqual(await c.command('E5', 'SEARCH RETURN (PARTIAL) ALL'), [
    'E5 BAD Missing or invalid partial range',
  ]);
  // RFC 4731 §3.1: RETURN comes before CHARSET
  assert.deepEqual(await c.command('E6', 'SEARCH CHARSET UTF-8 RETURN (MIN) ALL'), [
    'E6 BAD Unknown search key: RETURN',
  ]);
  assert.deepEqual(await c.command('E7', 'SEARCH RETURN (MIN) CHARSET KOI8-R ALL'), [
    'E7 NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset',
  ]);
  assert.deepEqual(await c.command('E8', 'SEARCH RETURN (MIN)'), ['E8 BAD Missing search key']);
});

test('WITHIN (RFC 5032): OLDER and YOUNGER on the internal date, in seconds', async () => {
  assert.deepEqual(await c.command('W1', 'SEARCH YOUNGER 3600'), ['* SEARCH 12', 'W1 OK SEARCH completed']);
  assert.deepEqual(await c.command('W2', 'SEARCH OLDER 3600 FLAGGED'), [
    '* SEARCH 2 5 7 10 11',
    'W2 OK SEARCH completed',
  ]);
  assert.deepEqual(await c.command('W3', 'UID SEARCH RETURN (COUNT) NOT YOUNGER 3600'), [
    '* ESEARCH (TAG "W3") UID COUNT 11',
    'W3 OK UID SEARCH completed',
  ]);
  // RFC 5032 §4: the interval is a non-zero number
  assert.deepEqual(await c.command('W4', 'SEARCH OLDER 0'), ['W4 BAD Invalid number: 0']);
  assert.deepEqual(await c.command('W5', 'SEARCH YOUNGER soon'), ['W5 BAD Invalid number: soon']);
  assert.deepEqual(await c.command('W6', 'SEARCH YOUNGER'), ['W6 BAD Missing or invalid interval']);
});

test('SEARCHRES (RFC 5182): SAVE, then $ in FETCH, STORE, SEARCH and COPY; MIN/MAX save only those', async () => {
  // RFC 5182 §2.1 example: SAVE alone answers with the tagged OK only
  assert.deepEqual(
    await c.command('A282', 'SEARCH RETURN (SAVE) FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"'),
    ['A282 OK SEARCH completed'],
  );
  assert.deepEqual(await c.command('A283', 'FETCH $ (UID FLAGS)'), [
    '* 2 FETCH (UID 4 FLAGS (\\Flagged))',
    '* 10 FETCH (UID 12 FLAGS (\\Flagged))',
    '* 11 FETCH (UID 13 FLAGS (\\Flagged))',
    'A283 OK FETCH completed',
  ]);
  assert.deepEqual(await c.command('A284', 'UID FETCH $ FLAGS'), [
    '* 2 FETCH (UID 4 FLAGS (\\Flagged))',
    '* 10 FETCH (UID 12 FLAGS (\\Flagged))',
    '* 11 FETCH (UID 13 FLAGS (\\Flagged))',
    'A284 OK UID FETCH completed',
  ]);
  // RFC 5182 §2.1: with MIN and MAX only those two are saved; ESEARCH still answers
  assert.deepEqual(await c.command('A285', 'SEARCH RETURN (SAVE MIN MAX) FLAGGED'), [
    '* ESEARCH (TAG "A285") MIN 2 MAX 11',
    'A285 OK SEARCH completed',
  ]);
  assert.deepEqual(await c.command('A286', 'UID SEARCH $'), [
    '* SEARCH 4 13',
    'A286 OK UID SEARCH completed',
  ]);
  assert.deepEqual(await c.command('A287', 'STORE $ +FLAGS (\\Seen)'), [
    '* 2 FETCH (FLAGS (\\Flagged \\Seen))',
    '* 11 FETCH (FLAGS (\\Flagged \\Seen))',
    'A287 OK STORE completed',
  ]);
  // $ inside the SEARCH that saves is still the old result
  assert.deepEqual(await c.command('A288', 'SEARCH RETURN (SAVE) OR $ 1'), ['A288 OK SEARCH completed']);
  assert.deepEqual(await c.command('A289', 'SEARCH RETURN (ALL) $'), [
    '* ESEARCH (TAG "A289") ALL 1:2,11',
    'A289 OK SEARCH completed',
  ]);
  const saved = (await env.srv.store.mailboxes.get(env.user.id, 'Saved'))!;
  assert.deepEqual(await c.command('A290', 'COPY $ Saved'), [
    `A290 OK [COPYUID ${saved.uidValidity} 3:4,13 1:3] COPY completed`,
  ]);
  assert.deepEqual(await c.command('A291', 'UID COPY $ Saved'), [
    `A291 OK [COPYUID ${saved.uidValidity} 3:4,13 4:6] UID COPY completed`,
  ]);
  // `$` is a whole sequence set, never part of one
  assert.deepEqual(await c.command('A292', 'FETCH 1,$ FLAGS'), ['A292 BAD Invalid sequence number: $']);
});

test('SEARCHRES: expunged messages leave $; MOVE $; a failed SAVE and SELECT empty it', async () => {
  assert.deepEqual(await c.command('B1', 'SEARCH RETURN (SAVE) 1:2,11'), ['B1 OK SEARCH completed']);
  assert.deepEqual(await c.command('B2', 'STORE 1 +FLAGS.SILENT (\\Deleted)'), ['B2 OK STORE completed']);
  assert.deepEqual(await c.command('B3', 'EXPUNGE'), ['* 1 EXPUNGE', 'B3 OK EXPUNGE completed']);
  assert.deepEqual(await c.command('B4', 'SEARCH $'), ['* SEARCH 1 10', 'B4 OK SEARCH completed']);
  assert.deepEqual(await c.command('B5', 'UID SEARCH UID $'), [
    '* SEARCH 4 13',
    'B5 OK UID SEARCH completed',
  ]);
  const saved = (await env.srv.store.mailboxes.get(env.user.id, 'Saved'))!;
  assert.deepEqual(await c.command('B6', 'UID MOVE $ Saved'), [
    `* OK [COPYUID ${saved.uidValidity} 4,13 7:8] Moved`,
    '* 1 EXPUNGE',
    '* 9 EXPUNGE',
    'B6 OK UID MOVE completed',
  ]);
  // the moved messages are gone from $: it names nothing now
  assert.deepEqual(await c.command('B7', 'FETCH $ FLAGS'), ['B7 OK FETCH completed']);
  // RFC 5182 §2.1: a SEARCH with SAVE that fails leaves $ empty (NO and BAD alike)
  assert.deepEqual(await c.command('B8', 'SEARCH RETURN (SAVE) 1:3'), ['B8 OK SEARCH completed']);
  assert.deepEqual(await c.command('B9', 'SEARCH RETURN (SAVE) CHARSET KOI8-R ALL'), [
    'B9 NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset',
  ]);
  assert.deepEqual(await c.command('B10', 'SEARCH $'), ['* SEARCH', 'B10 OK SEARCH completed']);
  assert.deepEqual(await c.command('B11', 'SEARCH RETURN (SAVE) 1:3'), ['B11 OK SEARCH completed']);
  assert.deepEqual(await c.command('B12', 'SEARCH RETURN (SAVE) NOSUCHKEY'), [
    'B12 BAD Unknown search key: NOSUCHKEY',
  ]);
  assert.deepEqual(await c.command('B13', 'UID FETCH $ UID'), ['B13 OK UID FETCH completed']);
  // RFC 5182 §2.1: SELECT starts with an empty result
  assert.deepEqual(await c.command('B14', 'SEARCH RETURN (SAVE) ALL'), ['B14 OK SEARCH completed']);
  const sel = await c.command('B15', 'SELECT INBOX');
  assert.equal(sel[sel.length - 1], 'B15 OK [READ-WRITE] SELECT completed');
  assert.deepEqual(await c.command('B16', 'UID SEARCH $'), ['* SEARCH', 'B16 OK UID SEARCH completed']);
  assert.deepEqual(await c.command('B17', 'STORE $ +FLAGS (\\Answered)'), ['B17 OK STORE completed']);
});
