// Nestbox side by side with Dovecot, in one run on one machine: a private Dovecot (config from
// bench/dovecot/) and Nestbox as a real server process on each selected back end, driven over IMAP,
// POP3 and LMTP by raw-socket clients. Each piece of work runs on Dovecot, then on each Nestbox,
// before the next one starts; each figure is printed with Dovecot's and the ratio as speed (above 1:
// Nestbox is faster or smaller). Ends with a markdown table and the machine it ran on. Prints
// figures only; it never fails on a number.
//
// BENCH_COMPARE_BACKENDS  Nestbox's back ends, comma-separated: sqlite, postgresql (default both)
// BENCH_COMPARE_LARGE     messages in the large mailbox (default 100 000; 0 skips that part)
// BENCH_COMPARE_SECONDS   length of the 10-client mixed load (default 20)
// BENCH_COMPARE_ROUNDS    rounds of LMTP delivery and of the mixed load, alternating between the
//                         servers, each on its own account; the median is the figure (default 3)
// BENCH_COMPARE_ONLY      the parts to run, comma-separated: lmtp, pop3, imap, load, idle, large
//                         (default all; pop3 and imap read what lmtp delivered)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, release, totalmem } from 'node:os';
import bcrypt from 'bcryptjs';
import { loadDeliveredCorpus } from './corpus.ts';
import { startDovecot, type Dovecot } from './compare/dovecot.ts';
import { selectedBackends, startBackend } from './compare/backends.ts';
import { startNestbox } from './compare/nestbox.ts';
import { dotStuff } from './compare/line-client.ts';
import type { ImapClient } from './compare/imap-client.ts';
import { pssOf, rssOf } from './compare/procs.ts';
import {
  idleMemory,
  imapReads,
  lmtpDelivery,
  median,
  mixedLoad,
  openImap,
  pop3Session,
  timedCommand,
  type Account,
  type Target,
} from './compare/work.ts';
import { ROWS, printTable, type Results, type RowKey } from './compare/table.ts';

const MESSAGES = 1000;
const LARGE = Number(process.env.BENCH_COMPARE_LARGE ?? 100_000);
const LOAD_SECONDS = Number(process.env.BENCH_COMPARE_SECONDS ?? 20);
const LOAD_CLIENTS = 10;
const IDLE_CONNECTIONS = 500;
const READ_ROUNDS = 3;
/** LMTP and the mixed load vary most from run to run (the disk's flushes, the machine's other
 * work): each runs this many times, the servers taking turns, and each figure is the median. */
const ROUNDS = Math.max(1, Number(process.env.BENCH_COMPARE_ROUNDS ?? 3));
const PARTS = ['lmtp', 'pop3', 'imap', 'load', 'idle', 'large'] as const;
const only = (process.env.BENCH_COMPARE_ONLY ?? '').split(',').filter(Boolean);
for (const p of only)
  if (!(PARTS as readonly string[]).includes(p))
    throw new Error(`BENCH_COMPARE_ONLY: no part "${p}" (${PARTS.join(', ')})`);
const runs = (part: (typeof PARTS)[number]) => only.length === 0 || only.includes(part);
/** Both servers check the same bcrypt hash at this cost, so a login measures the server, not the hash. */
const BCRYPT_COST = 4;

const user: Account = { name: 'bench', password: 'bench-password', address: 'bench@example.test' };
const bigUser: Account = { name: 'big', password: 'big-password', address: 'big@example.test' };
/** Takes the warm-up deliveries, which are not measured. */
const warmUser: Account = { name: 'warm', password: user.password, address: 'warm@example.test' };
/** Deliveries to every server before LMTP is measured: the first round after a start ran slowest
 * on both servers in every run (new processes, cold caches, PostgreSQL's tables new), and a mail
 * server runs for days. */
const WARM_UP = MESSAGES;
/** Round r of LMTP and of the mixed load works on account r: the first is `user`, whose INBOX
 * the POP3 and IMAP reads then use; the others start as empty as it did. */
const roundUsers: Account[] = [
  user,
  ...Array.from({ length: ROUNDS - 1 }, (_, i) => ({
    name: `round${i + 2}`,
    password: user.password,
    address: `round${i + 2}@example.test`,
  })),
];

const results: Results = new Map();
const record = (row: RowKey, label: string, value: number) => {
  if (!results.has(row)) results.set(row, new Map());
  results.get(row)!.set(label, value);
};

const cleanups: (() => Promise<void>)[] = [];
let cleaning: Promise<void> | null = null;
const cleanup = () =>
  (cleaning ??= (async () => {
    for (const c of cleanups.reverse()) await c().catch((e: unknown) => console.log(`cleanup: ${String(e)}`));
  })());
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    console.log(`\n${sig}: stopping the servers and removing their folders`);
    void cleanup().then(() => process.exit(130));
  });
}

/** A word of the corpus found in about a tenth of its messages, for SEARCH TEXT. */
function searchWord(corpus: Buffer[]): string {
  const df = new Map<string, number>();
  for (const m of corpus) {
    for (const w of new Set(
      m
        .toString('latin1')
        .toLowerCase()
        .match(/\b[a-z]{6,12}\b/g) ?? [],
    )) {
      df.set(w, (df.get(w) ?? 0) + 1);
    }
  }
  const want = corpus.length / 10;
  return [...df].sort(
    (a, b) => Math.abs(a[1] - want) - Math.abs(b[1] - want) || (a[0] < b[0] ? -1 : 1),
  )[0]![0];
}

/** A small distinct message for the large mailbox. */
function largeMessage(n: number): Buffer {
  return Buffer.from(
    `From: sender${n % 97}@example.test\r\nTo: big@example.test\r\nSubject: message ${n}\r\n` +
      `Message-ID: <m${n}@example.test>\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\n` +
      `Body of message ${n}.\r\n`,
  );
}
const largeSeen = (n: number) => n % 3 !== 0;

interface Side extends Target {
  fillLarge(count: number): Promise<number>;
}

/**
 * Runs one piece of work ROUNDS times, every server in turn in each round, round r on account r;
 * records the median of each server's figures. A failure is printed and leaves that round out.
 */
async function inRounds(
  work: string,
  row: RowKey,
  fn: (t: Side, acct: Account) => Promise<{ figure: number; text: string }>,
  targets: Side[],
): Promise<void> {
  console.log(`\n-- ${work} (${ROUNDS} rounds, servers taking turns; the figure is the median)`);
  const figures = new Map<string, number[]>(targets.map((t) => [t.label, []]));
  for (const [r, acct] of roundUsers.entries()) {
    for (const t of targets) {
      try {
        const { figure, text } = await fn(t, acct);
        figures.get(t.label)!.push(figure);
        console.log(`round ${r + 1}, ${t.label}: ${text}`);
      } catch (err) {
        console.log(`round ${r + 1}, ${t.label}: FAILED: ${(err as Error).message.split('\n')[0]}`);
      }
    }
  }
  for (const [label, xs] of figures) if (xs.length) record(row, label, median(xs));
}

/** Runs one piece of work on every server in turn; a failure is printed and leaves a gap. */
async function each(work: string, fn: (t: Side) => Promise<string>, targets: Side[]): Promise<void> {
  console.log(`\n-- ${work}`);
  for (const t of targets) {
    try {
      console.log(`${t.label}: ${await fn(t)}`);
    } catch (err) {
      console.log(`${t.label}: FAILED: ${(err as Error).message.split('\n')[0]}`);
    }
  }
}

const f = (x: number, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : String(x));

function machine(): string {
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU';
  return `${availableParallelism()} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Linux ${release()}`;
}

function versions(): string {
  const first = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split(
        '\n',
      )[0]!;
    } catch {
      return '?';
    }
  };
  return `Dovecot ${first('/usr/sbin/dovecot', ['--version'])}, Node ${process.version}`;
}

const corpus = loadDeliveredCorpus(MESSAGES);
const stuffed = corpus.map(dotStuff);
const word = searchWord(corpus);
const hash = bcrypt.hashSync(user.password, BCRYPT_COST);
const bigHash = bcrypt.hashSync(bigUser.password, BCRYPT_COST);
const labels: string[] = [];
const targets: Side[] = [];

try {
  let dovecot: Dovecot | null = null;
  try {
    dovecot = await startDovecot([
      ...[...roundUsers, warmUser].map((u) => ({ name: u.name, bcryptHash: hash })),
      { name: bigUser.name, bcryptHash: bigHash },
    ]);
    const d = dovecot;
    cleanups.push(() => d.stop());
    targets.push({
      label: 'Dovecot',
      ports: d.ports,
      imapMemory: () => {
        const pids = d.imapPids();
        return {
          rss: pids.reduce((a, p) => a + rssOf(p), 0),
          pss: pids.reduce((a, p) => a + pssOf(p), 0),
          processes: pids.length,
        };
      },
      fillLarge: async (count) => d.fillInbox(bigUser.name, count, largeMessage, largeSeen),
    });
  } catch (err) {
    console.log(`Dovecot: FAILED to start: ${(err as Error).message}`);
  }
  labels.push('Dovecot');
  for (const name of selectedBackends()) {
    const label = `Nestbox (${name})`;
    labels.push(label);
    try {
      const backend = await startBackend(name);
      cleanups.push(() => backend.stop());
      const nb = await startNestbox(backend, [...roundUsers, warmUser, bigUser], BCRYPT_COST);
      cleanups.push(() => nb.stop());
      targets.push({
        label,
        ports: nb.ports,
        imapMemory: () => ({ rss: rssOf(nb.pid), pss: pssOf(nb.pid), processes: 1 }),
        fillLarge: (count) => nb.fillInbox(bigUser.name, count, largeMessage, largeSeen),
      });
    } catch (err) {
      console.log(`${label}: FAILED to start: ${(err as Error).message}`);
    }
  }
  const bytes = corpus.reduce((a, m) => a + m.length, 0);
  console.log(
    `corpus: ${corpus.length} messages, ${(bytes / corpus.length / 1024).toFixed(1)} KiB average; ` +
      `SEARCH TEXT word "${word}"; passwords: bcrypt cost ${BCRYPT_COST} on both servers`,
  );

  if (runs('lmtp')) {
    await each(
      `LMTP warm-up: ${WARM_UP} deliveries to another account, not measured`,
      async (t) => `${(await lmtpDelivery(t, warmUser.address, stuffed.slice(0, WARM_UP))).toFixed(1)} msg/s`,
      targets,
    );
    await inRounds(
      `LMTP delivery of ${MESSAGES} messages on one connection`,
      'lmtp',
      async (t, acct) => {
        const rate = await lmtpDelivery(t, acct.address, stuffed);
        return { figure: rate, text: `${rate.toFixed(1)} msg/s` };
      },
      targets,
    );
  }

  if (runs('pop3'))
    await each(
      'POP3 login + UIDL, then RETR of every message in order',
      async (t) => {
        const p = await pop3Session(t, user, true);
        record('pop3Login', t.label, p.loginUidl);
        record('pop3Retr', t.label, p.retrRate);
        return (
          `login + UIDL of ${p.messages}: ${f(p.loginUidl)} s; RETR: ${p.retrRate.toFixed(1)} msg/s ` +
          `(${(p.bytes / 1048576).toFixed(1)} MB)`
        );
      },
      targets,
    );

  if (runs('imap'))
    await each(
      `IMAP on the ${MESSAGES}-message INBOX (median of ${READ_ROUNDS})`,
      async (t) => {
        const r = await imapReads(t, user, word, READ_ROUNDS);
        record('select', t.label, median(r.select));
        record('fetchFlags', t.label, median(r.fetchFlags));
        record('fetchBody', t.label, median(r.fetchBody));
        record('search', t.label, median(r.search));
        const all = (xs: number[]) => xs.map((x) => f(x)).join('/');
        return (
          `${r.exists} messages; SELECT ${all(r.select)} s; FETCH (UID FLAGS) ${all(r.fetchFlags)} s; ` +
          `FETCH BODY.PEEK[] ${all(r.fetchBody)} s (${(r.bodyBytes / 1048576).toFixed(1)} MB); ` +
          `SEARCH TEXT ${all(r.search)} s (${r.hits} hits)`
        );
      },
      targets,
    );

  const loadErrors = new Map<string, number>();
  if (runs('load'))
    await inRounds(
      `${LOAD_CLIENTS} IMAP clients, mixed APPEND/FETCH/STORE/SEARCH/COPY/EXPUNGE for ${LOAD_SECONDS} s`,
      'load',
      async (t, acct) => {
        const errors = (n: number) => loadErrors.set(t.label, (loadErrors.get(t.label) ?? 0) + n);
        // a round that fails outright counts as one failure besides leaving its figure out
        const l = await mixedLoad(t, acct, LOAD_CLIENTS, LOAD_SECONDS, corpus).catch((err: unknown) => {
          errors(1);
          throw err;
        });
        const rate = l.commands / l.seconds;
        errors(l.errors.length);
        const shown = l.errors.slice(0, 5).map((e) => `\n  ${e}`);
        const more = l.errors.length > 5 ? `\n  … ${l.errors.length - 5} more` : '';
        return {
          figure: rate,
          text: `${l.commands} commands in ${l.seconds.toFixed(1)} s: ${rate.toFixed(0)} commands/s, ${l.errors.length} errors${shown.join('')}${more}`,
        };
      },
      targets,
    );
  for (const [label, n] of loadErrors) record('loadErrors', label, n);

  if (runs('idle'))
    await each(
      `memory per idle logged-in IMAP connection (${IDLE_CONNECTIONS} connections)`,
      async (t) => {
        const { figures: m, close } = await idleMemory(t, user, IDLE_CONNECTIONS);
        close();
        record('idle', t.label, m.perConnectionKb);
        return (
          `${m.connections} connections: RSS ${(m.before.rss / 1048576).toFixed(0)} → ${(m.after.rss / 1048576).toFixed(0)} MB ` +
          `over ${m.before.processes} → ${m.after.processes} process(es): ${m.perConnectionKb.toFixed(1)} KB per connection ` +
          `(PSS ${m.pssPerConnectionKb.toFixed(1)} KB)`
        );
      },
      targets,
    );

  if (LARGE > 0 && runs('large')) {
    const sessions = new Map<string, ImapClient>();
    try {
      await each(
        `large mailbox: fill ${LARGE} messages (Dovecot: maildir files written directly; Nestbox: store add, then store COPY doubling)`,
        async (t) => {
          const t0 = performance.now();
          const n = await t.fillLarge(LARGE);
          const s = (performance.now() - t0) / 1000;
          record('largeFill', t.label, s);
          return `${n} messages in ${s.toFixed(1)} s`;
        },
        targets,
      );
      await each(
        'large mailbox: first SELECT (Dovecot builds its index here)',
        async (t) => {
          const c = await openImap(t, bigUser, 1_800_000);
          sessions.set(t.label, c);
          const r = await timedCommand(c, 'SELECT INBOX', true);
          record('largeSelect1', t.label, r.s);
          return `${f(r.s)} s (${r.reply.untagged.find((l) => / EXISTS/i.test(l)) ?? 'no EXISTS'})`;
        },
        targets,
      );
      await each(
        'large mailbox: SELECT again',
        async (t) => {
          const r = await timedCommand(sessions.get(t.label)!, 'SELECT INBOX');
          record('largeSelect2', t.label, r.s);
          return `${f(r.s)} s`;
        },
        targets,
      );
      await each(
        'large mailbox: UID FETCH 1:* FLAGS',
        async (t) => {
          const r = await timedCommand(sessions.get(t.label)!, 'UID FETCH 1:* FLAGS', true);
          record('largeFetch', t.label, r.s);
          return `${f(r.s)} s (${r.reply.untagged.length} FETCH responses, ${(r.reply.bytes / 1048576).toFixed(1)} MB)`;
        },
        targets,
      );
      for (const c of sessions.values()) c.close();
      sessions.clear();
      await each(
        'large mailbox: POP3 login + UIDL',
        async (t) => {
          const p = await pop3Session(t, bigUser, false);
          record('largePop3', t.label, p.loginUidl);
          return `${f(p.loginUidl)} s (${p.messages} messages)`;
        },
        targets,
      );
    } finally {
      for (const c of sessions.values()) c.close();
    }
  }
} finally {
  await cleanup();
}

console.log('');
printTable(
  ROWS.filter((r) => !r.key.startsWith('large') || LARGE > 0),
  results,
  labels,
  { messages: MESSAGES, large: LARGE, clients: LOAD_CLIENTS, seconds: LOAD_SECONDS, rounds: ROUNDS },
);
console.log(`\nmachine: ${machine()}; ${versions()}`);
