// Response writer: small responses are gathered and written together; `flush` waits for the socket
// to drain, so a slow reader holds the writer back instead of making us buffer (DESIGN §6).
import type { Duplex, Readable } from 'node:stream';

const GATHER = 16 * 1024;

export class Output {
  private pending: Array<string | Buffer> = [];
  private pendingBytes = 0;
  constructor(private socket: Duplex) {}

  /** After STARTTLS the same writer goes on over the TLS socket. */
  setSocket(socket: Duplex): void {
    this.socket = socket;
  }

  get closed(): boolean {
    return this.socket.destroyed || this.socket.writableEnded;
  }

  /** Queues raw text or bytes (must include their CRLF). */
  raw(data: string | Buffer): void {
    this.pending.push(data);
    this.pendingBytes += data.length;
  }

  untagged(text: string): void {
    this.raw(`* ${text}\r\n`);
  }

  /** Writes what is queued; resolves once the socket can take more. */
  async flush(): Promise<void> {
    if (this.pending.length) {
      const parts = this.pending;
      this.pending = [];
      this.pendingBytes = 0;
      if (this.closed) return;
      this.socket.write(
        parts.length === 1
          ? parts[0]!
          : Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p))),
      );
    }
    await this.drained();
  }

  /** Flushes when enough is queued or the socket is behind (call between messages of a FETCH). */
  async maybeFlush(): Promise<void> {
    if (this.pendingBytes >= GATHER || this.socket.writableNeedDrain) await this.flush();
  }

  private async drained(): Promise<void> {
    const s = this.socket;
    if (!s.writableNeedDrain || this.closed) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        s.off('drain', done);
        s.off('close', done);
        resolve();
      };
      s.on('drain', done);
      s.on('close', done);
    });
  }

  /**
   * Streams exactly `size` bytes as a literal body (after `{size}\r\n` was queued). A stream that
   * gives fewer or more bytes would break the protocol, so it ends the connection.
   */
  async stream(source: Readable, size: number): Promise<void> {
    await this.flush();
    let sent = 0;
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        if (this.closed) break;
        const part = sent + chunk.length > size ? chunk.subarray(0, size - sent) : chunk;
        sent += part.length;
        if (part.length && !this.socket.write(part)) await this.drained();
      }
    } finally {
      source.destroy();
    }
    if (sent !== size && !this.closed) {
      this.socket.destroy(new Error(`literal stream gave ${sent} of ${size} bytes`));
    }
  }
}
