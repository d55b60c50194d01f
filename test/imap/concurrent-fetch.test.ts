// Ten clients at once on one mailbox: some fetch BODY[HEADER.FIELDS (From To)] over and over while
// others APPEND, STORE and EXPUNGE. Every header-fields answer must hold the message's fields, as
// the same FETCH alone does. Raw sockets; every response line is checked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RawImap } from './_client.ts';
import { startImap, type ImapTestEnv } from './_setup.ts';

let env: ImapTestEnv;
before(async () => {
  env = await startImap();
});
after(async () => {
  await env.srv.stop();
});

const FIELDS = 'From: Bob Example <bob@example.test>\r\nTo: alice@example.test\r\n';
const message = (n: number) =>
  `${FIELDS}Subject: message ${n}\r\nDate: Mon, 7 Feb 1994 11:52:25 -0800\r\n\r\nbody ${n}\r\n`;
const literal = (s: string) => `{${Buffer.byteLength(s)}+}\r\n${s}`;

const FETCHERS = 6;
const ROUNDS = 12;
const HEADER_ANSWER = new RegExp(
  String.raw`^\* \d+ FETCH \(UID (\d+) BODY\[HEADER\.FIELDS \(From To\)\] \{(\d+)\}\r\n([\s\S]*)\)$`,
);
/** What may come between the answers: news from the other clients (RFC 3501 §7.4.1). */
const NEWS =
  /^\* (\d+ (EXISTS|RECENT|EXPUNGE)|\d+ FETCH \(UID \d+ FLAGS \([^)]*\)\)|FLAGS \([^)]*\)|OK \[PERMANENTFLAGS \([^)]*\)\] .*)$/;

async function selected(): Promise<RawImap> {
  const c = await env.login();
  const r = await c.command('s', 'SELECT INBOX');
  assert.equal(r[r.length - 1], 's OK [READ-WRITE] SELECT completed');
  return c;
}

function ok(r: string[], tag: string): void {
  assert.match(r[r.length - 1]!, new RegExp(`^${tag} OK `), r.join('\n'));
}

test('BODY[HEADER.FIELDS (From To)] under 10 concurrent clients that also APPEND, STORE, EXPUNGE', async () => {
  const setup = await selected();
  for (let n = 0; n < 30; n++)
    ok(await setup.command(`a${n}`, `APPEND INBOX ${literal(message(n))}`), `a${n}`);
  setup.close();

  const bad: string[] = [];
  let answers = 0;
  const fetcher = async (id: number) => {
    const c = await selected();
    for (let i = 0; i < ROUNDS; i++) {
      const tag = `f${id}x${i}`;
      const r = await c.command(tag, 'UID FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS (From To)])', 30_000);
      ok(r, tag);
      for (const line of r.slice(0, -1)) {
        const m = HEADER_ANSWER.exec(line);
        if (m) {
          answers++;
          if (m[3] !== `${FIELDS}\r\n` || Number(m[2]) !== FIELDS.length + 2) bad.push(line);
        } else if (!NEWS.test(line)) bad.push(line);
      }
    }
    c.close();
  };
  const appender = async (id: number) => {
    const c = await selected();
    for (let i = 0; i < ROUNDS; i++)
      ok(await c.command(`p${i}`, `APPEND INBOX ${literal(message(100 * id + i))}`), `p${i}`);
    c.close();
  };
  const storer = async () => {
    const c = await selected();
    for (let i = 0; i < ROUNDS; i++) {
      ok(
        await c.command(`t${i}`, `UID STORE 1:* ${i % 2 ? '-' : '+'}FLAGS.SILENT (\\Flagged $Seen${i})`),
        `t${i}`,
      );
    }
    c.close();
  };
  const expunger = async () => {
    const c = await selected();
    for (let i = 0; i < ROUNDS; i++) {
      // the oldest few go, one round at a time
      ok(await c.command(`d${i}`, `UID STORE ${2 * i + 1}:${2 * i + 2} +FLAGS.SILENT (\\Deleted)`), `d${i}`);
      ok(await c.command(`e${i}`, 'EXPUNGE'), `e${i}`);
    }
    c.close();
  };
  await Promise.all([
    ...Array.from({ length: FETCHERS }, (_, i) => fetcher(i)),
    appender(1),
    appender(2),
    storer(),
    expunger(),
  ]);
  assert.deepEqual(bad, []);
  // every round saw at least the messages no one expunged
  assert.ok(answers >= FETCHERS * ROUNDS * 6, `only ${answers} answers`);
});
