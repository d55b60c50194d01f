// A raw IMAP client for strict tests: sends exact bytes, returns whole responses (a response with
// literals comes back as one string with the literal bytes inline, latin1-decoded).
import { connect, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { constants, createDeflateRaw, createInflateRaw } from 'node:zlib';

export class RawImap {
  private buf = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** `localAddress` (another 127.x address) keeps a test file's failed logins apart from others'. */
  static async open(port: number, opts: { tls?: boolean; localAddress?: string } = {}): Promise<RawImap> {
    const local = opts.localAddress ? { localAddress: opts.localAddress } : {};
    const socket = opts.tls
      ? tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false, ...local })
      : connect({ port, host: '127.0.0.1', ...local });
    await new Promise<void>((resolve, reject) => {
      socket.once(opts.tls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    return new RawImap(socket as Socket);
  }

  /** Replaces the transport after STARTTLS. */
  static async upgrade(old: RawImap): Promise<RawImap> {
    old.socket.removeAllListeners('data');
    const socket = tlsConnect({ socket: old.socket, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', () => resolve());
      socket.once('error', reject);
    });
    return new RawImap(socket as unknown as Socket);
  }

  /** Compressed bytes the server sent, after COMPRESS (see `compress`). */
  wireBytes = 0;
  private deflate: ReturnType<typeof createDeflateRaw> | undefined;

  /** Switches to raw DEFLATE both ways after `OK` to COMPRESS DEFLATE (RFC 4978); each write is
   * sync-flushed so the server can read it at once. Works over TLS as well. */
  static compress(old: RawImap): RawImap {
    old.socket.removeAllListeners('data');
    const deflate = createDeflateRaw();
    const inflate = createInflateRaw();
    deflate.on('error', () => undefined);

    deflate.pipe(old.socket);
    const c = new RawImap(Duplex.from({ readable: inflate, writable: deflate }) as unknown as Socket);
    old.socket.on('data', (d: Buffer) => {
      c.wireBytes += d.length;
      inflate.write(d);
    });
    // what is still in the inflater is read before the connection counts as closed
    old.socket.on('close', () => inflate.end());
    inflate.on('end', () => c.socket.destroy());
    inflate.on('error', () => c.socket.destroy());
    c.deflate = deflate;
    return c;
  }

  write(data: string | Buffer): void {
    if (!this.deflate) {
      this.socket.write(data);
      return;
    }
    this.deflate.write(data);
    this.deflate.flush(constants.Z_SYNC_FLUSH);
  }

  private async waitData(timeoutMs: number): Promise<void> {
    if (this.closed) throw new Error('connection closed');
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`timeout; have ${JSON.stringify(this.buf.toString('latin1').slice(0, 500))}`)),
        timeoutMs,
      );
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** One whole response (line + literals), without its final CRLF; null when the server closed. */
  async response(timeoutMs = 10000): Promise<string | null> {
    let pos = 0;
    for (;;) {
      const lf = this.buf.indexOf('\r\n', pos, 'latin1');
      if (lf >= 0) {
        const line = this.buf.toString('latin1', pos, lf);
        const m = /\{(\d+)\}$/.exec(line);
        if (!m) {
          const out = this.buf.toString('latin1', 0, lf);
          this.buf = this.buf.subarray(lf + 2);
          return out;
        }
        const end = lf + 2 + Number(m[1]);
        if (this.buf.length >= end) {
          pos = end;
          continue;
        }
      }
      if (this.closed) return null;
      await this.waitData(timeoutMs);
    }
  }

  /** Sends `tag command` and returns every response up to and including the tagged one. */
  async command(tag: string, command: string | Buffer, timeoutMs = 10000): Promise<string[]> {
    this.write(typeof command === 'string' ? `${tag} ${command}\r\n` : command);
    return this.until(tag, timeoutMs);
  }

  async until(tag: string, timeoutMs = 10000): Promise<string[]> {
    const out: string[] = [];
    for (;;) {
      const r = await this.response(timeoutMs);
      if (r === null) throw new Error(`closed before ${tag}; got ${JSON.stringify(out)}`);
      out.push(r);
      if (r.startsWith(`${tag} `)) return out;
    }
  }

  /** Responses that arrive within `ms` (for unsolicited updates). */
  async drain(ms: number): Promise<string[]> {
    const out: string[] = [];
    const deadline = Date.now() + ms;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return out;
      try {
        const r = await this.response(left);
        if (r === null) return out;
        out.push(r);
      } catch {
        return out;
      }
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
