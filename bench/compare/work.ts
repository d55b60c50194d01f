// The work the side-by-side bench runs against every server, the same for each: only ports, users
// and how to read the server's memory differ. Every timing waits for the server's full response.
import { ImapClient, appendUid, searchHits, type ImapReply } from './imap-client.ts';
import { LmtpClient, Pop3Client } from './line-client.ts';

export interface Account {
  name: string;
  password: string;
  address: string;
}

export interface Target {
  label: string;
  ports: { imap: number; pop3: number; lmtp: number };
  /** Resident memory of the processes that serve IMAP connections. */
  imapMemory(): { rss: number; pss: number; processes: number };
}

const secs = (t0: number) => (performance.now() - t0) / 1000;

export async function lmtpDelivery(t: Target, to: string, stuffed: Buffer[]): Promise<number> {
  const c = await LmtpClient.open(t.ports.lmtp);
  const t0 = performance.now();
  for (const m of stuffed) await c.deliver('sender@remote.test', to, m);
  const s = secs(t0);
  await c.quit();
  return stuffed.length / s;
}

export interface Pop3Figures {
  loginUidl: number;
  messages: number;
  retrRate: number;
  bytes: number;
}

/** Login + UIDL timed together; then, when asked, RETR of every message in order, one at a time. */
export async function pop3Session(t: Target, acct: Account, retr: boolean): Promise<Pop3Figures> {
  const c = await Pop3Client.open(t.ports.pop3, 600_000);
  try {
    const t0 = performance.now();
    await c.login(acct.name, acct.password);
    const list = await c.uidl();
    const loginUidl = secs(t0);
    let bytes = 0;
    let retrRate = NaN;
    if (retr) {
      const t1 = performance.now();
      for (let n = 1; n <= list.length; n++) bytes += await c.retr(n);
      retrRate = list.length / secs(t1);
    }
    return { loginUidl, messages: list.length, retrRate, bytes };
  } finally {
    await c.quit();
  }
}

export async function openImap(
  t: Target,
  acct: Account,
  timeoutMs = 120_000,
  localAddress?: string,
): Promise<ImapClient> {
  const c = await ImapClient.open(t.ports.imap, timeoutMs, localAddress);
  await c.login(acct.name, acct.password);
  return c;
}

/** Runs a command and returns its time in seconds; NO or BAD throws. */
export async function timedCommand(
  c: ImapClient,
  text: string,
  collect = false,
): Promise<{ s: number; reply: ImapReply }> {
  const t0 = performance.now();
  const reply = await c.command(text, { collect });
  const s = secs(t0);
  if (reply.status !== 'OK') throw new Error(`${text.split(' ')[0]}: ${reply.status} ${reply.text}`);
  return { s, reply };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export interface ReadFigures {
  select: number[];
  fetchFlags: number[];
  fetchBody: number[];
  search: number[];
  exists: number;
  bodyBytes: number;
  hits: number;
}

/** SELECT, FETCH 1:* (UID FLAGS), FETCH 1:* BODY.PEEK[] and SEARCH TEXT, each `rounds` times. */
export async function imapReads(
  t: Target,
  acct: Account,
  word: string,
  rounds: number,
): Promise<ReadFigures> {
  const c = await openImap(t, acct, 600_000);
  const f: ReadFigures = {
    select: [],
    fetchFlags: [],
    fetchBody: [],
    search: [],
    exists: 0,
    bodyBytes: 0,
    hits: 0,
  };
  try {
    for (let i = 0; i < rounds; i++) {
      const sel = await timedCommand(c, 'SELECT INBOX', true);
      f.select.push(sel.s);
      f.exists = existsOf(sel.reply);
      f.fetchFlags.push((await timedCommand(c, 'FETCH 1:* (UID FLAGS)')).s);
      const body = await timedCommand(c, 'FETCH 1:* BODY.PEEK[]');
      f.fetchBody.push(body.s);
      f.bodyBytes = body.reply.bytes;
      const search = await timedCommand(c, `SEARCH TEXT ${word}`, true);
      f.search.push(search.s);
      f.hits = searchHits(search.reply).length;
    }
  } finally {
    c.close();
  }
  return f;
}

export function existsOf(r: ImapReply): number {
  for (const l of r.untagged) {
    const m = /^\* (\d+) EXISTS/i.exec(l);
    if (m) return Number(m[1]);
  }
  return NaN;
}

export interface LoadFigures {
  commands: number;
  seconds: number;
  errors: string[];
}

const LOAD_PREFILL = 20;

class TimeUp extends Error {}

/**
 * `clients` IMAP connections of one user, each on a folder of its own (so every NO or BAD is a
 * fault, never a race between clients), each looping for `seconds`: APPEND, UID FETCH of the new
 * message, UID STORE of keywords, UID SEARCH on a keyword, UID COPY to a second folder, and
 * \Deleted + EXPUNGE of the folder's oldest message so it keeps its size.
 */
export async function mixedLoad(
  t: Target,
  acct: Account,
  clients: number,
  seconds: number,
  corpus: Buffer[],
): Promise<LoadFigures> {
  const errors: string[] = [];
  const conns = await Promise.all(Array.from({ length: clients }, () => openImap(t, acct)));
  try {
    const queues: number[][] = [];
    // setup, untimed: each client's folders and a few messages to work on
    await Promise.all(
      conns.map(async (c, i) => {
        for (const cmd of [`CREATE Load${i}`, `CREATE Copy${i}`, `SELECT Load${i}`]) {
          const r = await c.command(cmd);
          // a folder already there is as good (Dovecot sometimes answers ALREADYEXISTS to one of
          // ten CREATEs sent at once by sessions of one user)
          const there = cmd.startsWith('CREATE') && /\[ALREADYEXISTS\]/.test(r.text);
          if (r.status !== 'OK' && !there) throw new Error(`${cmd}: ${r.status} ${r.text}`);
        }
        for (let k = 0; k < LOAD_PREFILL; k++)
          await c.append(`Load${i}`, '', corpus[(i * 97 + k) % corpus.length]!);
        const all = await c.command('UID SEARCH ALL', { collect: true });
        queues[i] = searchHits(all);
      }),
    );
    let commands = 0;
    const t0 = performance.now();
    const deadline = t0 + seconds * 1000;
    /** One command of the loop; past the deadline none starts, so the run ends within one command. */
    const step = async (what: string, send: () => Promise<ImapReply>): Promise<ImapReply> => {
      if (performance.now() >= deadline) throw new TimeUp();
      const r = await send();
      commands++;
      if (r.status !== 'OK') errors.push(`${t.label}: ${what}: ${r.status} ${r.text}`);
      return r;
    };
    await Promise.all(
      conns.map(async (c, i) => {
        const q = queues[i]!;
        try {
          for (let k = 0; ; k++) {
            const raw = corpus[(i * 131 + k) % corpus.length]!;
            const app = await step('APPEND', () => c.append(`Load${i}`, k % 2 ? '\\Seen' : '', raw));
            if (app.status !== 'OK') continue;
            const uid = appendUid(app);
            if (uid === null) {
              errors.push(`${t.label}: APPEND without APPENDUID: ${app.text}`);
              continue;
            }
            q.push(uid);
            const kw = `$Bench${k % 4}`;
            await step('UID FETCH', () => c.command(`UID FETCH ${uid} (UID FLAGS RFC822.SIZE BODY.PEEK[])`));
            await step('UID STORE', () => c.command(`UID STORE ${uid} +FLAGS (${kw} \\Flagged)`));
            await step('UID SEARCH', () => c.command(`UID SEARCH KEYWORD ${kw}`));
            await step('UID COPY', () => c.command(`UID COPY ${uid} Copy${i}`));
            const oldest = q.shift()!;
            await step('UID STORE \\Deleted', () =>
              c.command(`UID STORE ${oldest} +FLAGS.SILENT (\\Deleted)`),
            );
            await step('EXPUNGE', () => c.command('EXPUNGE'));
          }
        } catch (err) {
          if (!(err instanceof TimeUp)) errors.push(`${t.label}: client ${i}: ${(err as Error).message}`);
        }
      }),
    );
    return { commands, seconds: secs(t0), errors };
  } finally {
    for (const c of conns) c.close();
  }
}

export interface IdleFigures {
  connections: number;
  perConnectionKb: number;
  pssPerConnectionKb: number;
  before: { rss: number; processes: number };
  after: { rss: number; processes: number };
}

/** Opens `count` logged-in IMAP connections and reads the server's memory before and after. */
export async function idleMemory(
  t: Target,
  acct: Account,
  count: number,
): Promise<{
  figures: IdleFigures;
  close: () => void;
}> {
  await new Promise((r) => setTimeout(r, 1000));
  const before = t.imapMemory();
  const conns: ImapClient[] = [];
  const close = () => conns.forEach((c) => c.close());
  try {
    let opened = 0;
    await Promise.all(
      Array.from({ length: 25 }, async () => {
        while (opened < count) {
          const i = opened++;
          // 40 per loopback address: below the servers' per-address connection limits
          conns.push(await openImap(t, acct, 120_000, `127.0.42.${1 + Math.floor(i / 40)}`));
        }
      }),
    );
    await new Promise((r) => setTimeout(r, 3000));
    const after = t.imapMemory();
    const n = conns.length;
    return {
      figures: {
        connections: n,
        perConnectionKb: (after.rss - before.rss) / n / 1024,
        pssPerConnectionKb: (after.pss - before.pss) / n / 1024,
        before,
        after,
      },
      close,
    };
  } catch (err) {
    close();
    throw err;
  }
}
