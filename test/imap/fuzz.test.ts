// Tens of thousands of random and mutated command lines and literals from a seeded PRNG, over real
// sockets in every state: the server answers, stays up, keeps its memory bounded, and a valid
// command afterwards works.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { RawImap } from './_client.ts';
import { startImap, type ImapTestEnv } from './_setup.ts';
import { mulberry32, randomBytes } from '../helpers/fuzz.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let env: ImapTestEnv;
const FUZZ_IP = `127.1.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 2}`;
before(async () => {
  env = await startImap();
  const inbox = (await env.srv.store.mailboxes.get(env.user.id, 'INBOX'))!;
  for (let i = 0; i < 5; i++) {
    await env.srv.store.messages.add({
      user: env.user.id,
      mailbox: inbox.id,
      raw: Buffer.from(`Subject: fuzz ${i}\r\nFrom: f@example.test\r\n\r\nbody ${i}\r\n`),
    });
  }
});
after(async () => {
  await env.srv.stop();
});

const VALID = [
  'CAPABILITY',
  'NOOP',
  'LIST "" "*"',
  'LSUB "" %',
  'STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)',
  'SELECT INBOX',
  'EXAMINE INBOX',
  'FETCH 1:* (FLAGS UID RFC822.SIZE INTERNALDATE)',
  'FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)] BODY.PEEK[]<0.20>)',
  'UID FETCH 1:* (FLAGS BODY.PEEK[TEXT])',
  'FETCH 2 ALL',
  'SEARCH OR FROM f SUBJECT "fuzz 1" NOT DELETED',
  'UID SEARCH CHARSET UTF-8 TEXT body SINCE 1-Jan-2000',
  'STORE 1 +FLAGS (\\Seen $Fuzz)',
  'UID STORE 1:* -FLAGS.SILENT ($Fuzz)',
  'COPY 1 Trash',
  'CREATE Fuzz/Box',
  'RENAME Fuzz/Box Fuzz/Other',
  'DELETE Fuzz/Other',
  'SUBSCRIBE INBOX',
  'NAMESPACE',
  'ID ("name" "fuzzer")',
  'ENABLE CONDSTORE',
  'CHECK',
  'UNSELECT',
  'APPEND Trash (\\Seen) "01-Jan-2020 00:00:00 +0000" {12+}\r\nSubject: x\r\n',
  'SEARCH CHARSET UTF-8 SUBJECT {4+}\r\nfuzz',
];
const ALPHABET = ' ()[]{}<>"\\*%:.,+-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefxyz\t\x00\x7f\xff~!$&';

function mutate(rnd: () => number, s: string): string {
  const chars = [...s];
  const edits = 1 + Math.floor(rnd() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rnd() * (chars.length + 1));
    const c = ALPHABET[Math.floor(rnd() * ALPHABET.length)]!;
    const op = rnd();
    if (op < 0.35) chars.splice(at, 1);
    else if (op < 0.7) chars.splice(at, 0, c);
    else chars[at] = c;
  }
  return chars.join('').replace(/\r\n/g, (m) => (rnd() < 0.5 ? m : ''));
}

/** One fuzz input: a mutated valid command, random text, random bytes, or a literal with odd sizes. */
function input(rnd: () => number, i: number): Buffer {
  const r = rnd();
  const tag = rnd() < 0.9 ? `f${i}` : mutate(rnd, `f${i}`);
  if (r < 0.55)
    return Buffer.from(`${tag} ${mutate(rnd, VALID[Math.floor(rnd() * VALID.length)]!)}\r\n`, 'latin1');
  if (r < 0.7) {
    let s = '';
    const n = Math.floor(rnd() * 80);
    for (let k = 0; k < n; k++) s += ALPHABET[Math.floor(rnd() * ALPHABET.length)];
    return Buffer.from(`${tag} ${s}\r\n`, 'latin1');
  }
  if (r < 0.85) return Buffer.concat([randomBytes(rnd, Math.floor(rnd() * 200)), Buffer.from('\r\n')]);
  const size = Math.floor(rnd() * 40);
  const plus = rnd() < 0.7 ? '+' : '';
  const cmd = ['LOGIN', 'SEARCH TEXT', 'APPEND INBOX', 'CREATE', 'STATUS'][Math.floor(rnd() * 5)];
  // sometimes the literal is shorter or longer than announced
  const actual = Math.max(0, size + (rnd() < 0.8 ? 0 : Math.floor(rnd() * 10) - 5));
  return Buffer.concat([
    Buffer.from(`${tag} ${cmd} {${size}${plus}}\r\n`),
    randomBytes(rnd, actual),
    Buffer.from(rnd() < 0.5 ? ' x\r\n' : '\r\n'),
  ]);
}

class Fuzzer {
  conn: RawImap | null = null;
  sentinels = 0;
  reconnects = 0;
  responses = 0;

  async connect(state: 'new' | 'auth' | 'selected'): Promise<void> {
    this.conn?.close();
    this.reconnects++;
    // failed logins of the fuzz input count against their own address, not the one env.login uses
    this.conn = state === 'new' ? await RawImap.open(env.port, { localAddress: FUZZ_IP }) : await env.login();
    if (state === 'new') await this.conn.response();
    if (state === 'selected') await this.conn.command('s', 'SELECT INBOX');
  }

  /** Sends a sentinel NOOP until it is answered; literals may swallow it, so top them up. */
  async sync(state: 'new' | 'auth' | 'selected'): Promise<void> {
    for (let attempt = 0; attempt < 4; attempt++) {
      const c = this.conn!;
      const tag = `z${++this.sentinels}`;
      c.write(`\r\n${tag} NOOP\r\n`);
      try {
        for (;;) {
          const r = await c.response(attempt === 0 ? 1500 : 800);
          if (r === null) break;
          this.responses++;
          if (r.startsWith(`${tag} `)) return;
          // IDLE, AUTHENTICATE or a literal is waiting: give it what ends it
          if (r.startsWith('+')) c.write('DONE\r\n*\r\n');
        }
      } catch {
        // a synchronising literal ate the sentinel: fill it
        if (!c.closed) c.write(Buffer.concat([Buffer.alloc(300 * 1024, 0x20), Buffer.from('\r\nDONE\r\n')]));
      }
      if (c.closed) break;
    }
    await this.connect(state);
  }
}

test('fuzz: 30 000 random and mutated inputs in three states; answers, stays up, bounded memory', async () => {
  const rnd = mulberry32(0x1d2c3b4a);
  const f = new Fuzzer();
  gc();
  const before = process.memoryUsage();
  let sent = 0;
  for (const state of ['new', 'auth', 'selected'] as const) {
    await f.connect(state);
    for (let i = 0; i < 10_000; i++) {
      if (f.conn!.closed) await f.connect(state);
      f.conn!.write(input(rnd, sent++));
      // a valid command every few inputs keeps the error counter below the BYE limit
      if (i % 8 === 7) await f.sync(state);
    }
    await f.sync(state);
  }
  f.conn?.close();
  gc();
  const afterFuzz = process.memoryUsage();
  assert.equal(sent, 30_000);
  assert.ok(f.responses >= 30_000 / 8, `only ${f.responses} responses`);
  const heapGrowth = afterFuzz.heapUsed - before.heapUsed;
  const rssGrowth = afterFuzz.rss - before.rss;
  assert.ok(heapGrowth < 64 * 1024 * 1024, `heap grew by ${heapGrowth}`);
  assert.ok(rssGrowth < 256 * 1024 * 1024, `rss grew by ${rssGrowth}`);
  // still up and correct
  const c = await env.login();
  assert.deepEqual((await c.command('ok1', 'STATUS INBOX (MESSAGES)')).at(-1), 'ok1 OK STATUS completed');
  assert.deepEqual(await c.command('ok2', 'NOOP'), ['ok2 OK NOOP completed']);
  c.close();
});

test('every garbage line without a literal gets exactly one BAD', async () => {
  const rnd = mulberry32(7);
  const c = await env.login();
  for (let i = 0; i < 2000; i++) {
    let s = '';
    const n = 1 + Math.floor(rnd() * 60);
    for (let k = 0; k < n; k++) s += 'ABCxyz ()[]<>"\\*%:.,0189'[Math.floor(rnd() * 24)];
    // the command name is never a real one, so the answer is always BAD
    c.write(`g${i} Q${s.replace(/[{}\r\n]/g, '')}\r\ng${i}x NOOP\r\n`);
    const r = await c.response();
    assert.match(r!, new RegExp(`^(g${i}|\\*) BAD `));
    assert.equal(await c.response(), `g${i}x OK NOOP completed`);
  }
  c.close();
});
