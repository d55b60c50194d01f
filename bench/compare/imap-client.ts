// A minimal IMAP client over a raw socket for the side-by-side bench: it writes commands and reads
// responses line by line, skipping literals by their announced length (RFC 3501 §4.3), so a command
// ends exactly at its tagged reply however the message bodies look. No parsing beyond that: the
// bench measures the server, not a client library.
import { connect, type Socket } from 'node:net';

export interface ImapReply {
  /** OK, NO or BAD. */
  status: string;
  /** The tagged line without the tag. */
  text: string;
  /** Untagged lines (literals replaced by their length) when the command asked for them. */
  untagged: string[];
  /** Bytes received for this command, literals included. */
  bytes: number;
}

interface Pending {
  tag: string;
  collect: boolean;
  untagged: string[];
  bytes: number;
  resolve: (r: ImapReply) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class ImapClient {
  private pending: Pending[] = [];
  private literalLeft = 0;
  private partial: Buffer[] = [];
  private line = '';
  private continuation: (() => void) | null = null;
  private seq = 0;
  private closed: Error | null = null;
  greeting = '';
  capabilities = new Set<string>();

  private constructor(
    readonly socket: Socket,
    private readonly timeoutMs: number,
  ) {
    socket.on('data', (d: Buffer) => this.onData(d));
    const fail = (err: Error) => {
      this.closed = err;
      for (const p of this.pending.splice(0)) {
        clearTimeout(p.timer);
        p.reject(err);
      }
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed by the server')));
  }

  /** `localAddress`: another loopback address, for more connections than one address may hold. */
  static async open(port: number, timeoutMs = 120_000, localAddress?: string): Promise<ImapClient> {
    const socket = connect({ port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) });
    socket.setNoDelay(true);
    const c = new ImapClient(socket, timeoutMs);
    c.greeting = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no IMAP greeting')), timeoutMs);
      c.onGreeting = (l) => {
        clearTimeout(t);
        resolve(l);
      };
      socket.once('error', reject);
    });
    return c;
  }

  private onGreeting: ((line: string) => void) | null = null;

  async login(user: string, password: string): Promise<void> {
    const r = await this.command(`LOGIN ${quote(user)} ${quote(password)}`);
    if (r.status !== 'OK') throw new Error(`LOGIN ${user}: ${r.status} ${r.text}`);
    const caps = await this.command('CAPABILITY', { collect: true });
    for (const l of caps.untagged) {
      if (l.startsWith('* CAPABILITY ')) for (const c of l.slice(13).split(' ')) this.capabilities.add(c);
    }
  }

  /** Sends `tag text` and resolves on the tagged reply. */
  command(text: string, opts: { collect?: boolean } = {}): Promise<ImapReply> {
    const tag = `c${++this.seq}`;
    const done = this.expect(tag, opts.collect ?? false);
    this.socket.write(`${tag} ${text}\r\n`);
    return done;
  }

  /** APPEND with a literal: non-synchronizing when the server has LITERAL+ (RFC 7888), else waits for `+`. */
  async append(mailbox: string, flags: string, raw: Buffer): Promise<ImapReply> {
    const tag = `c${++this.seq}`;
    const done = this.expect(tag, false);
    const head = `${tag} APPEND ${quote(mailbox)}${flags ? ` (${flags})` : ''}`;
    if (this.capabilities.has('LITERAL+')) {
      this.socket.write(Buffer.concat([Buffer.from(`${head} {${raw.length}+}\r\n`), raw, CRLF]));
    } else {
      const go = new Promise<void>((resolve) => (this.continuation = resolve));
      this.socket.write(`${head} {${raw.length}}\r\n`);
      await Promise.race([go, done]);
      this.socket.write(Buffer.concat([raw, CRLF]));
    }
    return done;
  }

  close(): void {
    this.socket.destroy();
  }

  private expect(tag: string, collect: boolean): Promise<ImapReply> {
    if (this.closed) return Promise.reject(this.closed);
    return new Promise<ImapReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.pending.findIndex((p) => p.tag === tag);
        if (i >= 0) this.pending.splice(i, 1);
        reject(new Error(`no reply to ${tag} after ${this.timeoutMs} ms`));
        this.socket.destroy();
      }, this.timeoutMs);
      this.pending.push({ tag, collect, untagged: [], bytes: 0, resolve, reject, timer });
    });
  }

  private onData(d: Buffer): void {
    const p = this.pending[0];
    if (p) p.bytes += d.length;
    let pos = 0;
    while (pos < d.length) {
      if (this.literalLeft > 0) {
        const n = Math.min(this.literalLeft, d.length - pos);
        this.literalLeft -= n;
        pos += n;
        continue;
      }
      const nl = d.indexOf(10, pos);
      if (nl < 0) {
        this.partial.push(d.subarray(pos));
        return;
      }
      this.partial.push(d.subarray(pos, nl + 1));
      pos = nl + 1;
      const piece = Buffer.concat(this.partial)
        .toString('latin1')
        .replace(/\r?\n$/, '');
      this.partial = [];
      const lit = /\{(\d+)\+?\}$/.exec(piece);
      if (lit) {
        // the logical line goes on after the literal
        this.literalLeft = Number(lit[1]);
        this.line += `${piece.slice(0, lit.index)}{${lit[1]}}`;
        continue;
      }
      this.onLine(this.line + piece);
      this.line = '';
    }
  }

  private onLine(line: string): void {
    if (this.onGreeting) {
      const g = this.onGreeting;
      this.onGreeting = null;
      g(line);
      return;
    }
    if (line.startsWith('+')) {
      const c = this.continuation;
      this.continuation = null;
      c?.();
      return;
    }
    const p = this.pending[0];
    if (!p) return;
    if (line.startsWith('* ')) {
      if (p.collect) p.untagged.push(line);
      return;
    }
    const sp = line.indexOf(' ');
    const tag = line.slice(0, sp);
    const i = this.pending.findIndex((q) => q.tag === tag);
    if (i < 0) return;
    const [q] = this.pending.splice(i, 1);
    clearTimeout(q!.timer);
    const rest = line.slice(sp + 1);
    const sp2 = rest.indexOf(' ');
    const status = (sp2 < 0 ? rest : rest.slice(0, sp2)).toUpperCase();
    q!.resolve({ status, text: sp2 < 0 ? '' : rest.slice(sp2 + 1), untagged: q!.untagged, bytes: q!.bytes });
  }
}

const CRLF = Buffer.from('\r\n');

function quote(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** UIDs from the `* SEARCH` lines of a reply. */
export function searchHits(r: ImapReply): number[] {
  const out: number[] = [];
  for (const l of r.untagged) {
    if (!/^\* SEARCH\b/i.test(l)) continue;
    for (const n of l.slice(8).trim().split(' ')) if (n) out.push(Number(n));
  }
  return out;
}

/** The UID of an APPEND's or COPY's reply code (RFC 4315 §3), or null. */
export function appendUid(r: ImapReply): number | null {
  const m = /\[APPENDUID \d+ (\d+)\]/i.exec(r.text);
  return m ? Number(m[1]) : null;
}
