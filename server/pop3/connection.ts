// Line I/O of one POP3 connection: reads CRLF lines with a length limit, queues pipelined commands
// (RFC 2449 §6.6) and runs them one at a time, writes with backpressure, and can switch the
// socket to TLS (STLS) dropping whatever plaintext was read ahead (RFC 2595 §4).
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { MAX_LINE, MAX_QUEUED, IDLE_TIMEOUT_MS } from './limits.ts';

export type LineHandler = (line: string) => Promise<void>;

export class Connection {
  socket: Socket;
  secure: boolean;
  closed = false;
  /** True while a command runs. */
  busy = false;
  private buf: Buffer = Buffer.alloc(0);
  private readonly queue: string[] = [];
  private handler: LineHandler = async () => undefined;
  private readonly onData = (d: Buffer) => this.read(d);
  readonly ended: Promise<void>;
  private resolveEnded!: () => void;

  constructor(socket: Socket, secure: boolean) {
    this.socket = socket;
    this.secure = secure;
    this.ended = new Promise((r) => (this.resolveEnded = r));
    this.attach(socket);
  }

  get remoteAddress(): string {
    return this.socket.remoteAddress ?? '';
  }

  onLine(handler: LineHandler): void {
    this.handler = handler;
  }

  private attach(socket: Socket): void {
    socket.setNoDelay(true);
    socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.destroy()); // RFC 1939 §3: autologout, no response
    socket.on('data', this.onData);
    socket.on('error', () => undefined);
    socket.once('close', () => {
      if (socket !== this.socket) return;
      this.closed = true;
      this.resolveEnded();
    });
  }

  private read(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    let nl;
    while ((nl = this.buf.indexOf(0x0a)) >= 0 && nl <= MAX_LINE) {
      const line = this.buf.subarray(0, nl).toString('utf8').replace(/\r$/, '');
      this.buf = this.buf.subarray(nl + 1);
      this.queue.push(line);
    }
    if (this.buf.length > MAX_LINE) {
      // the rest of the stream cannot be framed reliably any more: answer and close
      this.buf = Buffer.alloc(0);
      this.socket.off('data', this.onData);
      void this.write('-ERR line too long\r\n').then(() => this.end());
      return;
    }
    if (this.queue.length > MAX_QUEUED) this.socket.pause();
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length && !this.closed) {
        const line = this.queue.shift()!;
        await this.handler(line);
        if (this.queue.length <= MAX_QUEUED / 2 && this.socket.isPaused()) this.socket.resume();
      }
    } finally {
      this.busy = false;
    }
  }

  /** Writes, waiting for the socket to drain when its buffer is full (backpressure). */
  async write(data: string | Buffer): Promise<void> {
    if (this.closed || this.socket.destroyed || this.socket.writableEnded) return;
    if (this.socket.write(data)) return;
    await Promise.race([once(this.socket, 'drain').catch(() => undefined), this.ended]);
  }

  /** Upgrades to TLS in place (STLS); commands read ahead in plaintext are discarded. */
  async startTls(context: SecureContext): Promise<void> {
    const plain = this.socket;
    plain.off('data', this.onData);
    this.queue.length = 0;
    this.buf = Buffer.alloc(0);
    const tls = new TLSSocket(plain, { isServer: true, secureContext: context });
    this.socket = tls;
    this.attach(tls);
    plain.once('close', () => {
      if (!tls.destroyed) tls.destroy();
    });
    await Promise.race([once(tls, 'secure').catch(() => undefined), this.ended]);
    this.secure = !this.closed && !tls.destroyed;
  }

  /** Ends the connection once written data is flushed. */
  end(): void {
    if (this.closed) return;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 5000).unref();
  }
}
