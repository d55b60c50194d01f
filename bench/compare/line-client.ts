// POP3 and LMTP clients over a raw socket for the side-by-side bench: they read single-line replies,
// multi-line POP3 bodies up to CRLF.CRLF (RFC 1939 §3) and LMTP replies with continuation lines
// (RFC 2033 §4.2, RFC 5321 §4.2.1), and nothing more.
import { connect, type Socket } from 'node:net';

/** Byte reader over a socket, with a deadline on every wait. */
export class Reader {
  private chunks: Buffer[] = [];
  private wake: (() => void) | null = null;
  private closed: Error | null = null;

  constructor(
    private readonly sock: Socket,
    private readonly timeoutMs: number,
  ) {
    sock.on('data', (d: Buffer) => {
      this.chunks.push(d);
      this.wake?.();
    });
    const end = (err: Error) => {
      this.closed ??= err;
      this.wake?.();
    };
    sock.on('error', end);
    sock.on('close', () => end(new Error('connection closed by the server')));
  }

  private async next(): Promise<Buffer> {
    while (!this.chunks.length) {
      if (this.closed) throw this.closed;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await new Promise<boolean>((resolve) => {
        this.wake = () => resolve(false);
        timer = setTimeout(() => resolve(true), this.timeoutMs);
      });
      clearTimeout(timer);
      this.wake = null;
      if (timedOut) {
        this.sock.destroy();
        throw new Error(`no reply after ${this.timeoutMs} ms`);
      }
    }
    return this.chunks.shift()!;
  }

  async line(): Promise<string> {
    let acc = await this.next();
    for (;;) {
      const i = acc.indexOf('\r\n');
      if (i >= 0) {
        if (i + 2 < acc.length) this.chunks.unshift(acc.subarray(i + 2));
        return acc.subarray(0, i).toString('latin1');
      }
      acc = Buffer.concat([acc, await this.next()]);
    }
  }

  /** A multi-line body after its status line: its length in bytes, terminator excluded. */
  async body(): Promise<number> {
    let count = 0;
    let tail = Buffer.from('\r\n'); // the status line's CRLF, for an empty body
    for (;;) {
      const chunk = await this.next();
      const joined = Buffer.concat([tail, chunk]);
      const i = joined.indexOf('\r\n.\r\n');
      if (i >= 0) {
        if (i + 5 < joined.length) this.chunks.unshift(joined.subarray(i + 5));
        return count + i + 2 - tail.length;
      }
      count += chunk.length;
      tail = joined.subarray(-4);
    }
  }

  /** A multi-line body's lines (for UIDL and LIST). */
  async lines(): Promise<string[]> {
    const out: string[] = [];
    for (;;) {
      const l = await this.line();
      if (l === '.') return out;
      out.push(l);
    }
  }
}

async function open(port: number): Promise<Socket> {
  const sock = connect(port, '127.0.0.1');
  sock.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', () => resolve());
    sock.once('error', reject);
  });
  return sock;
}

export class Pop3Client {
  private constructor(
    readonly socket: Socket,
    private readonly r: Reader,
  ) {}

  static async open(port: number, timeoutMs = 120_000): Promise<Pop3Client> {
    const sock = await open(port);
    const c = new Pop3Client(sock, new Reader(sock, timeoutMs));
    const greeting = await c.r.line();
    if (!greeting.startsWith('+OK')) throw new Error(`POP3 greeting: ${greeting}`);
    return c;
  }

  async ok(cmd: string): Promise<string> {
    this.socket.write(`${cmd}\r\n`);
    const l = await this.r.line();
    if (!l.startsWith('+OK')) throw new Error(`${cmd.split(' ')[0]}: ${l}`);
    return l;
  }

  async login(user: string, password: string): Promise<void> {
    await this.ok(`USER ${user}`);
    await this.ok(`PASS ${password}`);
  }

  async uidl(): Promise<string[]> {
    await this.ok('UIDL');
    return this.r.lines();
  }

  /** RETR n: the message's size on the wire. */
  async retr(n: number): Promise<number> {
    await this.ok(`RETR ${n}`);
    return this.r.body();
  }

  async quit(): Promise<void> {
    await this.ok('QUIT').catch(() => undefined);
    this.socket.destroy();
  }
}

export class LmtpClient {
  private constructor(
    readonly socket: Socket,
    private readonly r: Reader,
  ) {}

  static async open(port: number, timeoutMs = 120_000): Promise<LmtpClient> {
    const sock = await open(port);
    const c = new LmtpClient(sock, new Reader(sock, timeoutMs));
    await c.reply(220);
    c.socket.write('LHLO bench.test\r\n');
    await c.reply(250);
    return c;
  }

  /** One reply, continuation lines included; throws unless its code is `want`. */
  private async reply(want: number): Promise<string> {
    for (;;) {
      const l = await this.r.line();
      if (l[3] === '-') continue;
      if (Number(l.slice(0, 3)) !== want) throw new Error(`LMTP: expected ${want}, got ${l}`);
      return l;
    }
  }

  /**
   * One message to one recipient, waiting for its per-recipient reply after DATA (RFC 2033 §4.2).
   * `stuffed` is the message through dotStuff(), prepared before the clock starts.
   */
  async deliver(from: string, to: string, stuffed: Buffer): Promise<void> {
    this.socket.write(`MAIL FROM:<${from}>\r\n`);
    await this.reply(250);
    this.socket.write(`RCPT TO:<${to}>\r\n`);
    await this.reply(250);
    this.socket.write('DATA\r\n');
    await this.reply(354);
    this.socket.write(stuffed);
    this.socket.write('.\r\n');
    await this.reply(250);
  }

  async quit(): Promise<void> {
    this.socket.write('QUIT\r\n');
    await this.reply(221).catch(() => undefined);
    this.socket.destroy();
  }
}

/** RFC 5321 §4.5.2: a line that starts with "." gets one more; the data ends with CRLF. */
export function dotStuff(raw: Buffer): Buffer {
  let text = raw.toString('latin1');
  if (!text.endsWith('\r\n')) text += '\r\n';
  return Buffer.from(text.replace(/^\./gm, '..'), 'latin1');
}
