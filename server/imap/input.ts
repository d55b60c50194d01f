// The session's pull side of the protocol reader: socket chunks go into the CommandReader as they
// arrive, and the session takes one result at a time. Input is held only up to INPUT_HIGH_WATER
// ahead of the command being run; beyond that the socket is paused, so TCP backpressure reaches a
// client that pipelines faster than we answer.
import type { Duplex } from 'node:stream';
import { CommandReader, type ReadResult, type ReaderLimits } from './protocol/reader.ts';
import { INPUT_HIGH_WATER } from './limits.ts';

export class CommandInput {
  readonly reader: CommandReader;
  private src: Duplex | null = null;
  private ended = false;
  private waiter: (() => void) | null = null;
  private readonly onData = (chunk: Buffer): void => {
    this.reader.push(chunk);
    if (this.reader.queuedBytes > INPUT_HIGH_WATER) this.src?.pause();
    this.wake();
  };
  private readonly onEnd = (): void => {
    this.ended = true;
    this.wake();
  };

  constructor(src: Duplex, limits: Partial<ReaderLimits>) {
    this.reader = new CommandReader(limits);
    this.attach(src);
  }

  /** Reads from `src` from now on. */
  attach(src: Duplex): void {
    this.src = src;
    this.ended = false;
    src.on('data', this.onData);
    src.on('end', this.onEnd);
    src.on('close', this.onEnd);
    src.on('error', this.onEnd);
  }

  /** Stops reading and drops queued input: after STARTTLS nothing sent in plaintext may be run
   * (RFC 3501 §6.2.1, RFC 2595 §3.1). */
  detach(): void {
    const src = this.src;
    if (src) {
      src.off('data', this.onData);
      src.off('end', this.onEnd);
      src.off('close', this.onEnd);
      src.off('error', this.onEnd);
    }
    this.src = null;
    this.reader.discardInput();
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  /** The next command, continuation request or error; null at end of input. */
  async next(): Promise<ReadResult | null> {
    for (;;) {
      const r = this.reader.next();
      if (r) {
        if (this.reader.queuedBytes <= INPUT_HIGH_WATER / 2) this.src?.resume();
        return r;
      }
      if (this.ended || this.reader.waitingFor === 'closed') return null;
      // the reader needs more than is queued: a long line, a literal, or the next command
      this.src?.resume();
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  /** One raw line without its CRLF (IDLE's DONE, RFC 2177; a SASL response, RFC 3501 §6.2.2);
   * 'too-long' when it was over the line limit (and skipped); null at end of input. */
  async readLine(): Promise<Buffer | 'too-long' | null> {
    this.reader.setMode('line');
    try {
      const r = await this.next();
      if (r === null) return null;
      return r.kind === 'line' ? r.line : 'too-long';
    } finally {
      this.reader.setMode('command');
    }
  }
}
