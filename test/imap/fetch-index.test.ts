// FETCH items the mailbox index answers alone (UID, FLAGS, MODSEQ, INTERNALDATE, RFC822.SIZE) take
// their own path (server/imap/fetch-index.ts). Asking for the same items plus a body section sends
// the FETCH down the general path; two users with the same history must then get the same bytes
// once that section is taken out: keywords announced first, \Recent, MODSEQ, CHANGEDSINCE, a
// message another session expunged and this one was not told of yet, and the updates after it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RawImap } from './_client.ts';
import { startImap, type ImapTestEnv } from './_setup.ts';

let env: ImapTestEnv;
const open: RawImap[] = [];

/** Forces the general path; a header field no message has, so its literal is the empty header. */
const BODY_ITEM = 'BODY.PEEK[HEADER.FIELDS (X-NONE)]';
const BODY_RESPONSE = ' BODY[HEADER.FIELDS (X-NONE)] {2}\r\n\r\n';

const MSG = (n: number) => `From: s${n}@example.test\r\nSubject: m${n}\r\n\r\nbody ${n}\r\n`;
const IDATE = new Date('2024-03-05T10:20:30Z');

async function login(name: string): Promise<RawImap> {
  const c = await env.login({ username: name });
  open.push(c);
  return c;
}

async function ok(c: RawImap, tag: string, command: string): Promise<string[]> {
  const r = await c.command(tag, command);
  assert.match(r[r.length - 1]!, new RegExp(`^${tag} OK`), `${command}: ${r.join('\n')}`);
  return r;
}

/**
 * A user whose INBOX saw: 12 messages selected by another session (so not \Recent here), 3 more
 * (\Recent here), flag and keyword changes after this session's SELECT, and message 7 expunged by
 * the other session. Returns this session, CONDSTORE enabled, not yet told of any of it.
 */
async function scenario(name: string): Promise<{ a: RawImap; other: RawImap }> {
  const u = await env.newUser(name);
  const inbox = (await env.srv.store.mailboxes.get(u.id, 'INBOX'))!;
  const { messages } = env.srv.store;
  const add = async (n: number, flags: string[] = []) =>
    messages.add({ user: u.id, mailbox: inbox.id, raw: Buffer.from(MSG(n)), flags, idate: IDATE });
  for (let n = 1; n <= 12; n++) await add(n, n % 4 === 0 ? ['\\Answered'] : []);
  const other = await login(name);
  await ok(other, 'o1', 'SELECT INBOX');
  for (let n = 13; n <= 15; n++) await add(n);
  const a = await login(name);
  await ok(a, 'a1', 'ENABLE CONDSTORE');
  await ok(a, 'a2', 'SELECT INBOX');
  const flags = (uids: Array<number | [number, number]>, action: 'add' | 'set', f: string[]) =>
    messages.updateFlags({ user: u.id, mailbox: inbox.id, uids, action, flags: f });
  await flags([[1, 5]], 'add', ['\\Seen']);
  await flags([3, 4, 14], 'add', ['$Work']);
  await flags([14], 'add', ['Later']);
  await flags([13], 'set', ['\\Flagged']);
  await ok(other, 'o2', 'UID STORE 7 +FLAGS.SILENT (\\Deleted)');
  await ok(other, 'o3', 'EXPUNGE');
  return { a, other };
}

/** The general path's response with the forcing body section taken out of every FETCH. */
function withoutBody(lines: string[]): string[] {
  return lines.map((l) => l.split(BODY_RESPONSE).join(''));
}

before(async () => {
  env = await startImap();
});
after(async () => {
  for (const c of open) c.close();
  await env.srv.stop();
});

test('FETCH of index items: same bytes as the general path', async () => {
  const fast = await scenario('ixfast');
  const general = await scenario('ixgeneral');
  const cmds = [
    ['FETCH 1:* (UID FLAGS MODSEQ)', `FETCH 1:* (UID FLAGS MODSEQ ${BODY_ITEM})`],
    [
      'UID FETCH 2:* (FLAGS RFC822.SIZE INTERNALDATE)',
      `UID FETCH 2:* (FLAGS RFC822.SIZE INTERNALDATE ${BODY_ITEM})`,
    ],
    [
      'FETCH 3,1,5:9 (FLAGS UID) (CHANGEDSINCE 12)',
      `FETCH 3,1,5:9 (FLAGS UID ${BODY_ITEM}) (CHANGEDSINCE 12)`,
    ],
    ['FETCH 14:15 FAST', `FETCH 14:15 (FLAGS INTERNALDATE RFC822.SIZE ${BODY_ITEM})`],
  ] as const;
  const seen: string[][] = [];
  for (const [i, [indexOnly, withBody]] of cmds.entries()) {
    const f = await fast.a.command(`f${i}`, indexOnly);
    const g = withoutBody(await general.a.command(`f${i}`, withBody));
    assert.deepEqual(f, g, `${indexOnly}\n${f.join('\n')}\n---\n${g.join('\n')}`);
    seen.push(f);
  }
  const first = seen[0]!;
  // what the comparison covered: the keywords announced before the first FETCH showing one, a
  // message with \Recent, MODSEQs, and message 7 left out as expunged
  const flagsAt = first.findIndex((l) => l.startsWith('* FLAGS ') && l.includes('$Work'));
  const workAt = first.findIndex((l) => / FETCH .*\$Work/.test(l));
  assert.ok(flagsAt >= 0 && flagsAt < workAt, first.join('\n'));
  assert.ok(
    first.some((l) => /^\* 14 FETCH \(UID 14 FLAGS \(\$Work Later \\Recent\) MODSEQ \(\d+\)\)$/.test(l)),
    first.join('\n'),
  );
  assert.ok(!first.some((l) => l.startsWith('* 7 FETCH (UID 7 ')), first.join('\n'));
  assert.match(first[first.length - 1]!, /^f0 OK \[EXPUNGEISSUED\]/);
  // CHANGEDSINCE 12 (stored 11): messages 1, 3 and 5 changed after it; 6, 8 and 9 did not
  assert.deepEqual(
    seen[2]!.filter((l) => / FETCH \(FLAGS/.test(l)).map((l) => l.split(' ')[1]),
    ['1', '3', '5'],
  );
});

test('STORE reports the flags of the index, keywords announced first', async () => {
  const { a } = await scenario('ixstore');
  const r = await a.command('s1', 'STORE 13:14 +FLAGS (Urgent)');
  const at = (re: RegExp) => r.findIndex((l) => re.test(l));
  const line13 = at(/^\* 13 FETCH \(FLAGS \(\\Flagged Urgent \\Recent\) MODSEQ \(\d+\)\)$/);
  const line14 = at(/^\* 14 FETCH \(FLAGS \(\$Work Later Urgent \\Recent\) MODSEQ \(\d+\)\)$/);
  assert.ok(line13 >= 0 && line14 > line13, r.join('\n'));
  assert.ok(at(/^\* FLAGS .*Urgent/) < line13, r.join('\n'));
  assert.ok(at(/^\* FLAGS .*\$Work Later/) < line14, r.join('\n'));
  assert.match(r[r.length - 1]!, /^s1 OK/);
});
