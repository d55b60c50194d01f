// Fuzz run against a real server process (not part of `npm test` or `npm run bench`):
//   npx tsx bench/fuzz.ts
// sends generated lines (valid commands, mutated commands, random bytes, long lines, bad literals)
// to IMAP, POP3 and LMTP over many parallel connections from several 127.0.0.x source addresses,
// then delivers mutated corpus messages through LMTP. After every batch a fresh connection per
// protocol must still log in and answer (the probe uses its own account and source address, so
// the fuzzers' failed logins cannot lock it out). Prints lines/s, responses by kind, the server's
// RSS and whether it ever died; exits 1 if it did or if a probe failed.
//
// FUZZ_LINES (per protocol, default 1 000 000), FUZZ_MIME (mutated messages, default 3 000),
// FUZZ_SEED (default 1), FUZZ_BATCH (lines between probes, default 50 000), FUZZ_MAX_SECONDS.
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { MongoClient } from 'mongodb';
import { Redis } from 'ioredis';
import { spawnServer } from '../test/helpers/server-process.ts';
import { startTestServices } from '../test/helpers/test-services.ts';
import { mulberry32, randomBytes } from '../test/helpers/fuzz.ts';
import { createStore } from '../server/store/index.ts';
import { loadDeliveredCorpus } from './corpus.ts';
import { dropAndDisconnect } from './teardown.ts';

type Proto = 'imap' | 'pop3' | 'lmtp';
const LINES = Number(process.env.FUZZ_LINES ?? 1_000_000);
const MIME = Number(process.env.FUZZ_MIME ?? 3_000);
const SEED = Number(process.env.FUZZ_SEED ?? 1);
const BATCH = Number(process.env.FUZZ_BATCH ?? 50_000);
// a run that must end by a time stops sending lines then and reports what it did
const STOP_AT = Date.now() + Number(process.env.FUZZ_MAX_SECONDS ?? 1e9) * 1000;
// workers per protocol, two per source address: well inside 50 IMAP / 20 POP3 / 50 LMTP per address
const WORKERS: Record<Proto, number> = { imap: 40, pop3: 16, lmtp: 16 };
const PROBE_ADDRESS = '127.0.0.250';

function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

// ---------------------------------------------------------------------------------------------
// Generators: each gives one line without its CRLF (never containing CR or LF, except literals,
// which carry their own), and whether the connection should end after it.

const pick = <T>(rnd: () => number, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const int = (rnd: () => number, n: number) => Math.floor(rnd() * n);

const IMAP_VALID = [
  'NOOP',
  'CAPABILITY',
  'SELECT INBOX',
  'EXAMINE INBOX',
  'LIST "" *',
  'LIST "" %',
  'LSUB "" *',
  'STATUS INBOX (MESSAGES UIDNEXT UNSEEN HIGHESTMODSEQ)',
  'FETCH 1:* (FLAGS UID)',
  'FETCH 1 (BODYSTRUCTURE ENVELOPE)',
  'FETCH 1:3 (BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])',
  'FETCH 2 BODY.PEEK[1]<0.100>',
  'UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1)',
  'SEARCH ALL',
  'UID SEARCH UNSEEN SUBJECT "x"',
  'SEARCH OR FROM a TO b NOT SEEN',
  'STORE 1 +FLAGS (\\Seen)',
  'STORE 1:2 -FLAGS.SILENT (\\Flagged $Junk)',
  'CREATE fz/a',
  'RENAME fz/a fz/b',
  'DELETE fz/b',
  'SUBSCRIBE INBOX',
  'CHECK',
  'ENABLE CONDSTORE',
  'ID ("name" "fuzz")',
  'NAMESPACE',
  'GETQUOTAROOT INBOX',
  'COPY 1 Trash',
  'UNSELECT',
  'CLOSE',
  'IDLE',
  'DONE',
  'SORT (DATE) UTF-8 ALL',
  'THREAD REFERENCES UTF-8 ALL',
] as const;
const POP3_VALID = [
  'NOOP',
  'STAT',
  'LIST',
  'LIST 1',
  'UIDL',
  'UIDL 2',
  'RETR 1',
  'TOP 1 0',
  'TOP 2 5',
  'CAPA',
  'RSET',
  'DELE 3',
  'LAST',
  'XTND',
] as const;
const LMTP_VALID = [
  'LHLO fuzz.example',
  'MAIL FROM:<a@b.example>',
  'MAIL FROM:<> SIZE=100 BODY=8BITMIME',
  'RCPT TO:<fuzz@example.test>',
  'RCPT TO:<nobody@example.test>',
  'RCPT TO:<fuzz+tag@example.test>',
  'RSET',
  'NOOP',
  'VRFY fuzz',
  'HELP',
  'EHLO x',
] as const;

function clean(b: Buffer): Buffer {
  for (let i = 0; i < b.length; i++) if (b[i] === 10 || b[i] === 13) b[i] = 32;
  return b;
}

function mutate(rnd: () => number, line: string): Buffer {
  let b = Buffer.from(line, 'latin1');
  const n = 1 + int(rnd, 4);
  for (let i = 0; i < n; i++) {
    const at = int(rnd, b.length + 1);
    switch (int(rnd, 7)) {
      case 0: // flip a byte
        if (b.length) b[Math.min(at, b.length - 1)] = int(rnd, 256);
        break;
      case 1: // insert specials
        b = Buffer.concat([
          b.subarray(0, at),
          Buffer.from(
            pick(rnd, [
              '"',
              '(',
              ')',
              '{',
              '}',
              '[',
              ']',
              '\\',
              '*',
              '%',
              ' ',
              '~{3}',
              '\0',
              '<',
              '>',
              ':',
              '@',
            ]),
          ),
          b.subarray(at),
        ]);
        break;
      case 2: // delete a run
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + int(rnd, 6))]);
        break;
      case 3: // duplicate a run
        b = Buffer.concat([
          b.subarray(0, at),
          ...Array<Buffer>(1 + int(rnd, 50)).fill(b.subarray(at, at + 20)),
          b.subarray(at),
        ]);
        break;
      case 4: // big number
        b = Buffer.concat([
          b.subarray(0, at),
          Buffer.from(pick(rnd, ['4294967296', '99999999999999999999', '-1', '0', '1:4294967295', '*:*'])),
          b.subarray(at),
        ]);
        break;
      case 5: // truncate
        b = b.subarray(0, at);
        break;
      default: // case change
        b = Buffer.from(b.toString('latin1').toLowerCase(), 'latin1');
    }
  }
  return clean(b);
}

function common(rnd: () => number, valid: readonly string[], tag: () => string, maxLine: number): Buffer {
  const r = rnd();
  if (r < 0.35) return Buffer.from(`${tag()}${pick(rnd, valid)}`, 'latin1');
  if (r < 0.75) return mutate(rnd, `${tag()}${pick(rnd, valid)}`);
  if (r < 0.95) return clean(randomBytes(rnd, 1 + int(rnd, 200)));
  if (r < 0.97) return Buffer.from(`${tag()}NOOP ${'x'.repeat(maxLine + int(rnd, maxLine))}`, 'latin1');
  return Buffer.from(`${tag()}${'('.repeat(1 + int(rnd, 3000))}`, 'latin1');
}

function imapLine(rnd: () => number, seq: number): { line: Buffer; ends: boolean } {
  const tag = () => `f${seq} `;
  const r = rnd();
  if (r < 0.02) {
    // literals: a claim that is never sent (ends the connection), a wrong length, a huge claim
    const k = int(rnd, 4);
    if (k === 0) return { line: Buffer.from(`${tag()}APPEND INBOX {${int(rnd, 1e9)}}`), ends: true };
    if (k === 1)
      return {
        line: Buffer.from(`${tag()}APPEND Trash {${1 + int(rnd, 20)}+}\r\nSubject: x\r\n\r\nbody`),
        ends: false,
      };
    if (k === 2) return { line: Buffer.from(`${tag()}LOGIN {${int(rnd, 1e12)}+}`), ends: true };
    return { line: Buffer.from(`${tag()}SEARCH TEXT {4+}\r\nab`), ends: false };
  }
  return { line: common(rnd, IMAP_VALID, tag, 70 * 1024), ends: false };
}

function pop3Line(rnd: () => number): { line: Buffer; ends: boolean } {
  return { line: common(rnd, POP3_VALID, () => '', 9 * 1024), ends: false };
}

function lmtpLine(rnd: () => number): { line: Buffer; ends: boolean } {
  if (rnd() < 0.01) {
    // a full transaction whose body is fuzz, or one with a bad size claim
    const body = clean(randomBytes(rnd, int(rnd, 2000)))
      .toString('latin1')
      .replace(/(.{70})/g, '$1\r\n');
    return {
      line: Buffer.from(
        `MAIL FROM:<f@x.example>\r\nRCPT TO:<fuzz@example.test>\r\nDATA\r\nSubject: fz\r\n\r\n${body}\r\n.`,
        'latin1',
      ),
      ends: false,
    };
  }
  return { line: common(rnd, LMTP_VALID, () => '', 5 * 1024), ends: false };
}

// ---------------------------------------------------------------------------------------------
// A connection that counts response lines by kind.

const responses: Record<Proto, Map<string, number>> = { imap: new Map(), pop3: new Map(), lmtp: new Map() };
const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

function kindOf(p: Proto, line: string): string | null {
  if (p === 'imap') {
    const m = /^(\S+) (OK|NO|BAD|BYE|PREAUTH)\b/i.exec(line);
    if (m) return m[1] === '*' ? `* ${m[2]!.toUpperCase()}` : m[1] === '+' ? null : m[2]!.toUpperCase();
    if (line.startsWith('+')) return '+';
    return line.startsWith('* ') ? '* data' : null;
  }
  if (p === 'pop3') return line.startsWith('+OK') ? '+OK' : line.startsWith('-ERR') ? '-ERR' : null;
  const m = /^(\d)\d\d /.exec(line);
  return m ? `${m[1]}xx` : null;
}

class Conn {
  private buf = '';
  private waiters: Array<{ test: (l: string) => boolean; resolve: (ok: boolean) => void }> = [];
  closed = false;
  finals = 0;
  constructor(
    readonly sock: Socket,
    private readonly proto: Proto | null,
  ) {
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      this.buf += d;
      let i: number;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, i).replace(/\r$/, '');
        this.buf = this.buf.slice(i + 1);
        if (this.proto) {
          const k = kindOf(this.proto, line);
          if (k) {
            bump(responses[this.proto], k);
            if (k !== '* data' && k !== '+') this.finals++;
          }
        }
        this.waiters = this.waiters.filter((w) => (w.test(line) ? (w.resolve(true), false) : true));
      }
      if (this.buf.length > 1 << 20) this.buf = this.buf.slice(-4096);
    });
    const end = () => {
      this.closed = true;
      for (const w of this.waiters) w.resolve(false);
      this.waiters = [];
    };
    sock.on('close', end);
    sock.on('error', end);
  }
  static open(port: number, localAddress: string, proto: Proto | null): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const sock = connect({ host: '127.0.0.1', port, localAddress });
      sock.once('connect', () => resolve(new Conn(sock, proto)));
      sock.once('error', reject);
    });
  }
  /** Resolves true when a line passes `test`, false on close or after `ms`. */
  until(test: (l: string) => boolean, ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const w = { test, resolve };
      this.waiters.push(w);
      setTimeout(() => {
        if (this.waiters.includes(w)) {
          this.waiters = this.waiters.filter((x) => x !== w);
          resolve(false);
        }
      }, ms).unref();
    });
  }
  write(b: Buffer | string): boolean {
    if (this.closed) return false;
    this.sock.write(b);
    return true;
  }
  close() {
    this.sock.destroy();
  }
}

// ---------------------------------------------------------------------------------------------

const ownServices = !process.env.MONGODB_URI || !process.env.REDIS_URL;
const services = ownServices ? await startTestServices() : null;
const mongoUri = process.env.MONGODB_URI ?? services!.mongodbUri;
const redisUrl = process.env.REDIS_URL ?? services!.redisUrl;
const dbName = `nbfuzz_${Math.random().toString(36).slice(2, 10)}`;
const srv = spawnServer({
  MONGODB_URI: mongoUri,
  REDIS_URL: redisUrl,
  NESTBOX_DB_NAME: dbName,
  NESTBOX_SERVICES: 'imap,pop3,lmtp',
  NESTBOX_LOG_LEVEL: 'error',
  NESTBOX_PLAINTEXT_AUTH: 'always',
});
let died: string | null = null;
void srv.exited.then(({ code, signal }) => (died = `exited code=${code} signal=${signal}`));
const mongo = new MongoClient(mongoUri);
const redis = new Redis(redisUrl);

const stats = {
  sent: { imap: 0, pop3: 0, lmtp: 0 } as Record<Proto, number>,
  connections: { imap: 0, pop3: 0, lmtp: 0 } as Record<Proto, number>,
  closedByServer: { imap: 0, pop3: 0, lmtp: 0 } as Record<Proto, number>,
  stalls: { imap: 0, pop3: 0, lmtp: 0 } as Record<Proto, number>,
  probes: 0,
  probeFailures: [] as string[],
};

let ports: Record<string, number> = {};
let exitCode = 0;
try {
  ports = await srv.ready(60_000);
  const store = createStore({ db: mongo.db(dbName), redis, options: { bcryptRounds: 4 } });
  await store.users.create({ username: 'fuzz', password: 'fuzz-pass', address: 'fuzz@example.test' });
  await store.users.create({ username: 'probe', password: 'probe-pass', address: 'probe@example.test' });
  const corpus = loadDeliveredCorpus(Math.max(50, Math.min(MIME, 6000)));
  // a few messages so FETCH/RETR have something to chew on
  for (const raw of corpus.slice(0, 20)) await deliver(PROBE_ADDRESS, 'fuzz@example.test', raw, null);
  for (const raw of corpus.slice(0, 3)) await deliver(PROBE_ADDRESS, 'probe@example.test', raw, null);

  const pid = srv.child.pid!;
  const rss = { start: rssMiB(pid), peak: rssMiB(pid), end: 0 };
  const sampler = setInterval(() => (rss.peak = Math.max(rss.peak, rssMiB(pid))), 250);

  // probes run after every BATCH lines (of all protocols together) and at the end
  let nextProbe = BATCH;
  let probing: Promise<void> = Promise.resolve();
  const total = () => stats.sent.imap + stats.sent.pop3 + stats.sent.lmtp;
  const maybeProbe = () => {
    if (total() >= nextProbe) {
      nextProbe += BATCH;
      probing = probing.then(probeAll);
    }
  };

  const t0 = performance.now();
  const runs: Promise<void>[] = [];
  const took: Record<Proto, number> = { imap: 0, pop3: 0, lmtp: 0 };
  for (const proto of ['imap', 'pop3', 'lmtp'] as const) {
    const mine: Promise<void>[] = [];
    for (let w = 0; w < WORKERS[proto]; w++) {
      const addr = `127.0.0.${10 + Math.floor(w / 2) + (proto === 'imap' ? 0 : proto === 'pop3' ? 30 : 40)}`;
      mine.push(worker(proto, w, addr, maybeProbe));
    }
    runs.push(Promise.all(mine).then(() => void (took[proto] = (performance.now() - t0) / 1000)));
  }
  const progress = setInterval(() => {
    const s = (performance.now() - t0) / 1000;
    console.log(
      `${s.toFixed(0)} s: imap ${stats.sent.imap} pop3 ${stats.sent.pop3} lmtp ${stats.sent.lmtp} lines, rss ${rssMiB(pid).toFixed(0)} MiB`,
    );
  }, 15_000);
  await Promise.all(runs);
  clearInterval(progress);
  const lineSecs = (performance.now() - t0) / 1000;
  await probing;
  await probeAll();

  // mutated MIME through LMTP
  const mime = new Map<string, number>();
  const m0 = performance.now();
  const mrnd = mulberry32(SEED * 7919);
  let mNext = 0;
  await Promise.all(
    Array.from({ length: 8 }, async (_, w) => {
      while (mNext < MIME && !died) {
        const i = mNext++;
        const raw = mutateMime(mrnd, corpus[i % corpus.length]!);
        const code = await deliver(`127.0.0.${70 + (w >> 1)}`, 'fuzz@example.test', raw, mime);
        if (code === null) bump(mime, 'no reply');
      }
    }),
  );
  const mimeSecs = (performance.now() - m0) / 1000;
  await probeAll();
  // the stored mutated messages must still be served: structure, envelope and bytes
  await readBack();

  clearInterval(sampler);
  rss.end = rssMiB(pid);
  const fmt = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
  console.log(
    `\nlines: ${LINES} per protocol in ${lineSecs.toFixed(1)} s (${(total() / lineSecs).toFixed(0)} lines/s overall)`,
  );
  for (const p of ['imap', 'pop3', 'lmtp'] as const) {
    console.log(
      `${p}: ${stats.sent[p]} lines in ${took[p].toFixed(0)} s (${(stats.sent[p] / took[p]).toFixed(0)}/s), ${stats.connections[p]} connections (${stats.closedByServer[p]} closed by the server, ${stats.stalls[p]} waits ended by timeout); responses: ${fmt(responses[p])}`,
    );
  }
  console.log(`mutated MIME: ${MIME} messages in ${mimeSecs.toFixed(1)} s; replies: ${fmt(mime)}`);
  console.log(`probes: ${stats.probes}, failed: ${stats.probeFailures.length}`);
  for (const f of stats.probeFailures.slice(0, 10)) console.log(`  ${f}`);
  console.log(
    `server RSS MiB: start ${rss.start.toFixed(0)}, peak ${rss.peak.toFixed(0)}, end ${rss.end.toFixed(0)}`,
  );
  console.log(`server died: ${died ?? 'no'}`);
  if (died || stats.probeFailures.length) exitCode = 1;
  await store.close();
} catch (err) {
  console.error(err);
  console.error(srv.output().slice(-4000));
  exitCode = 1;
} finally {
  if (died) console.error(srv.output().slice(-4000));
  srv.cleanup();
  await dropAndDisconnect(mongo, dbName, redis);
  await services?.stop();
}
process.exit(exitCode);

// ---------------------------------------------------------------------------------------------

async function worker(proto: Proto, w: number, addr: string, onBatch: () => void): Promise<void> {
  const rnd = mulberry32(SEED * 1000 + w + (proto === 'imap' ? 0 : proto === 'pop3' ? 100 : 200));
  const quota = Math.floor(LINES / WORKERS[proto]) + (w < LINES % WORKERS[proto] ? 1 : 0);
  let done = 0;
  let seq = 0;
  while (done < quota && !died && Date.now() < STOP_AT) {
    let c: Conn;
    try {
      c = await Conn.open(ports[proto]!, addr, proto);
    } catch {
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    stats.connections[proto]++;
    await c.until(() => true, 5000); // greeting
    // half the connections log in first, so authenticated states get fuzzed too
    if (rnd() < 0.5) {
      if (proto === 'imap') {
        c.write('l LOGIN fuzz fuzz-pass\r\nl2 SELECT INBOX\r\n');
        await c.until((l) => l.startsWith('l2 '), 5000);
      } else if (proto === 'pop3') {
        const before = c.finals;
        c.write('USER fuzz\r\nPASS fuzz-pass\r\n');
        await waitReplies(c, before + 2);
      } else {
        c.write('LHLO fuzz\r\n');
        await c.until((l) => /^250 /.test(l), 5000);
      }
    }
    while (done < quota && !c.closed && !died && Date.now() < STOP_AT) {
      const n = Math.min(25, quota - done);
      const before = c.finals;
      let ended = false;
      const parts: Buffer[] = [];
      let k = 0;
      for (; k < n && !ended; k++) {
        const g = proto === 'imap' ? imapLine(rnd, ++seq) : proto === 'pop3' ? pop3Line(rnd) : lmtpLine(rnd);
        parts.push(g.line, Buffer.from('\r\n'));
        ended = g.ends;
      }
      c.write(Buffer.concat(parts));
      done += k;
      stats.sent[proto] += k;
      onBatch();
      if (ended) break;
      // wait until every line had its reply, the server closed, or nothing came for a while
      const ok = await waitReplies(c, before + k);
      if (!ok && !c.closed) {
        stats.stalls[proto]++;
        break;
      }
    }
    if (c.closed) stats.closedByServer[proto]++;
    c.close();
  }
}

async function waitReplies(c: Conn, target: number): Promise<boolean> {
  let last = c.finals;
  let idle = 0;
  while (c.finals < target && !c.closed) {
    await new Promise((r) => setTimeout(r, 20));
    if (c.finals === last) idle += 20;
    else {
      idle = 0;
      last = c.finals;
    }
    if (idle >= 700) return false;
  }
  return true;
}

/** Delivers one message over LMTP with dot-stuffing; counts the reply class; returns the code. */
async function deliver(
  addr: string,
  rcpt: string,
  raw: Buffer,
  count: Map<string, number> | null,
): Promise<number | null> {
  const c = await Conn.open(ports.lmtp!, addr, null);
  try {
    await c.until((l) => /^220 /.test(l), 5000);
    c.write(`LHLO fuzz\r\nMAIL FROM:<f@x.example>\r\nRCPT TO:<${rcpt}>\r\nDATA\r\n`);
    if (!(await c.until((l) => /^354 /.test(l), 10_000))) return null;
    let text = raw.toString('latin1');
    if (!text.endsWith('\r\n')) text += '\r\n';
    c.write(Buffer.from(text.replace(/^\./gm, '..') + '.\r\n', 'latin1'));
    let code: number | null = null;
    await c.until((l) => {
      const m = /^(\d{3}) /.exec(l);
      if (m) code = Number(m[1]);
      return m !== null;
    }, 60_000);
    if (count && code !== null) bump(count, `${String(code)[0]}xx`);
    if (code !== 250 && !count) throw new Error(`seed delivery refused: ${code}`);
    c.write('QUIT\r\n');
    return code;
  } finally {
    c.close();
  }
}

function mutateMime(rnd: () => number, raw: Buffer): Buffer {
  let s = raw.toString('latin1');
  const n = 1 + int(rnd, 3);
  for (let i = 0; i < n; i++) {
    switch (int(rnd, 6)) {
      case 0: {
        // flip bytes
        const b = Buffer.from(s, 'latin1');
        for (let j = 0; j < 1 + int(rnd, 20); j++) b[int(rnd, b.length)] = int(rnd, 256);
        s = b.toString('latin1');
        break;
      }
      case 1:
        s = s.slice(0, int(rnd, s.length));
        break;
      case 2: {
        // duplicate the boundaries (or invent some)
        const m = /boundary="?([^";\r\n]+)/i.exec(s);
        const bnd = m ? m[1]! : 'fz';
        const at = int(rnd, s.length);
        s = s.slice(0, at) + `\r\n--${bnd}\r\n`.repeat(1 + int(rnd, 500)) + s.slice(at);
        break;
      }
      case 3: {
        // a huge header
        const h = pick(rnd, ['X-Fuzz: ', 'Subject: ', 'To: ', 'Content-Type: multipart/mixed; boundary=']);
        s = h + 'a'.repeat(int(rnd, 300_000)) + '\r\n' + s;
        break;
      }
      case 4: {
        // deep nesting
        const depth = 1 + int(rnd, 200);
        let head = '';
        for (let d = 0; d < depth; d++)
          head += `Content-Type: multipart/mixed; boundary="b${d}"\r\n\r\n--b${d}\r\n`;
        s = 'Subject: nest\r\n' + head + s;
        break;
      }
      default:
        // bare LF and stray CR
        s = s.replace(/\r\n/g, () => pick(rnd, ['\r\n', '\n', '\r', '\r\n']));
    }
  }
  return Buffer.from(s, 'latin1');
}

async function probeAll(): Promise<void> {
  if (died) return;
  stats.probes++;
  const fail = (what: string) => stats.probeFailures.push(`probe ${stats.probes}: ${what}`);
  try {
    const i = await Conn.open(ports.imap!, PROBE_ADDRESS, null);
    await i.until(() => true, 5000);
    i.write('a LOGIN probe probe-pass\r\nb SELECT INBOX\r\nc NOOP\r\n');
    if (!(await i.until((l) => /^c OK/.test(l), 10_000))) fail('imap');
    i.close();
  } catch (e) {
    fail(`imap ${String(e)}`);
  }
  try {
    const p = await Conn.open(ports.pop3!, PROBE_ADDRESS, null);
    await p.until(() => true, 5000);
    p.write('USER probe\r\nPASS probe-pass\r\nSTAT\r\n');
    if (!(await p.until((l) => /^\+OK \d+ \d+/.test(l), 10_000))) fail('pop3');
    p.write('QUIT\r\n');
    p.close();
  } catch (e) {
    fail(`pop3 ${String(e)}`);
  }
  try {
    const code = await deliver(
      PROBE_ADDRESS,
      'probe@example.test',
      Buffer.from('Subject: probe\r\n\r\nhi\r\n'),
      null,
    );
    if (code !== 250) fail(`lmtp ${code}`);
  } catch (e) {
    fail(`lmtp ${String(e)}`);
  }
}

async function readBack(): Promise<void> {
  const i = await Conn.open(ports.imap!, PROBE_ADDRESS, null);
  await i.until(() => true, 5000);
  i.write('a LOGIN fuzz fuzz-pass\r\nb SELECT INBOX\r\n');
  await i.until((l) => /^b /.test(l), 10_000);
  let fetched = 0;
  const counter = (l: string) => {
    if (/^\* \d+ FETCH/.test(l)) fetched++;
    return /^c /.test(l);
  };
  i.write('c FETCH 1:* (BODYSTRUCTURE ENVELOPE BODY.PEEK[HEADER] RFC822.SIZE)\r\n');
  const ok = await i.until(counter, 600_000);
  console.log(
    `read back: FETCH BODYSTRUCTURE ENVELOPE HEADER of every stored message: ${ok ? 'OK' : 'FAILED'}, ${fetched} messages`,
  );
  if (!ok) stats.probeFailures.push('read back of mutated messages');
  i.close();
}
