// Pull-based command reader over a socket: lines and literals of one command at a time.
// Input is buffered only up to INPUT_HIGH_WATER ahead of the consumer; beyond that the socket is
// paused, so TCP backpressure reaches a client that pipelines faster than we answer.
import type { Duplex } from 'node:stream';
import { INPUT_HIGH_WATER, MAX_COMMAND, MAX_DISCARD, MAX_LINE, MAX_SMALL_LITERAL } from '../limits.ts';

export type Segment = { kind: 'line'; data: Buffer } | { kind: 'literal'; data: Buffer };

export interface LiteralRequest {
  size: number;
  /** false for LITERAL+ `{n+}` (RFC 7888): the bytes follow without a continuation. */
  sync: boolean;
  /** The command's segments read so far (the first line holds the tag and command name). */
  segments: readonly Segment[];
}

/** Decides whether a literal is read; the session writes `+` (sync) or its refusal. */
export type LiteralGate = (req: LiteralRequest) => Promise<boolean>;

export type ReadResult =
  | { kind: 'command'; segments: Segment[] }
  /** A literal was refused: the command ends here (its remaining bytes are discarded). */
  | { kind: 'refused'; segments: Segment[] }
  /** A line or command over the limits; the bytes up to its end were discarded. */
  | { kind: 'too-long'; segments: Segment[] }
  | { kind: 'eof' };

const LITERAL_AT_END = /\{(\d{1,12})(\+?)\}$/;

export class CommandReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private waiter: (() => void) | null = null;
  private ended = false;
  private detached = false;
  private readonly onData = (chunk: Buffer) => {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.buffered > INPUT_HIGH_WATER) this.src.pause();
    this.wake();
  };
  private readonly onEnd = () => {
    this.ended = true;
    this.wake();
  };

  constructor(private readonly src: Duplex) {
    src.on('data', this.onData);
    src.on('end', this.onEnd);
    src.on('close', this.onEnd);
    src.on('error', this.onEnd);
  }

  /** Stops reading from the socket and drops buffered input (STARTTLS, RFC 3501 §6.2.1). */
  detach(): void {
    this.detached = true;
    this.src.off('data', this.onData);
    this.src.off('end', this.onEnd);
    this.src.off('close', this.onEnd);
    this.src.off('error', this.onEnd);
    this.chunks = [];
    this.buffered = 0;
    this.ended = true;
    this.wake();
  }

  /** True when bytes are already waiting (pipelined input). */
  get hasInput(): boolean {
    return this.buffered > 0;
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  /** Waits for bytes beyond what is buffered; false at end of input. */
  private async more(): Promise<boolean> {
    if (this.ended) return false;
    const before = this.buffered;
    // the consumer needs more than the high-water mark allows ahead (a long line or literal)
    if (!this.detached) this.src.resume();
    while (this.buffered === before && !this.ended) {
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
    return this.buffered > before;
  }

  private take(n: number): Buffer {
    const out: Buffer[] = [];
    let need = n;
    while (need > 0) {
      const c = this.chunks[0]!;
      if (c.length <= need) {
        out.push(c);
        this.chunks.shift();
        need -= c.length;
      } else {
        out.push(c.subarray(0, need));
        this.chunks[0] = c.subarray(need);
        need = 0;
      }
    }
    this.buffered -= n;
    if (this.buffered <= INPUT_HIGH_WATER / 2 && !this.detached) this.src.resume();
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  /** Index of the first LF in the buffer, or -1. */
  private findLf(): number {
    let offset = 0;
    for (const c of this.chunks) {
      const i = c.indexOf(10);
      if (i >= 0) return offset + i;
      offset += c.length;
    }
    return -1;
  }

  /**
   * One line without its CRLF (a bare LF is accepted too). Null at end of input. A line longer than
   * `max` is consumed to its end and reported as `too-long`.
   */
  async readLine(max = MAX_LINE): Promise<Buffer | 'too-long' | null> {
    let discarding = false;
    for (;;) {
      const lf = this.findLf();
      if (lf >= 0) {
        const raw = this.take(lf + 1);
        if (discarding || lf > max) return 'too-long';
        const end = lf > 0 && raw[lf - 1] === 13 ? lf - 1 : lf;
        return raw.subarray(0, end);
      }
      if (this.buffered > max) {
        discarding = true;
        this.take(this.buffered);
      }
      if (!(await this.more())) return null;
    }
  }

  async readBytes(n: number): Promise<Buffer | null> {
    while (this.buffered < n) {
      if (!(await this.more())) return null;
    }
    return this.take(n);
  }

  private async discardBytes(n: number): Promise<boolean> {
    let left = n;
    while (left > 0) {
      if (this.buffered === 0 && !(await this.more())) return false;
      left -= this.take(Math.min(left, this.buffered)).length;
    }
    return true;
  }

  /** Reads one command: its lines and the literals between them. */
  async readCommand(gate: LiteralGate): Promise<ReadResult> {
    const segments: Segment[] = [];
    let total = 0;
    let line = await this.readLine();
    for (;;) {
      if (line === null) return { kind: 'eof' };
      if (line === 'too-long') return { kind: 'too-long', segments };
      segments.push({ kind: 'line', data: line });
      total += line.length;
      if (total > MAX_COMMAND) {
        return (await this.drainFrom(line)) ? { kind: 'too-long', segments } : { kind: 'eof' };
      }
      const m = literalAtEnd(line);
      if (!m) return { kind: 'command', segments };
      if (!(await gate({ size: m.size, sync: m.sync, segments }))) {
        if (m.sync) return { kind: 'refused', segments };
        // RFC 7888 §4: the bytes are on their way; read them into the void, or close
        if (m.size > MAX_DISCARD || !(await this.discardBytes(m.size))) return { kind: 'eof' };
        return (await this.drainFrom(await this.readLine()))
          ? { kind: 'refused', segments }
          : { kind: 'eof' };
      }
      const data = await this.readBytes(m.size);
      if (data === null) return { kind: 'eof' };
      segments.push({ kind: 'literal', data });
      // message literals (APPEND) are limited by the gate, not by the command size
      if (m.size <= MAX_SMALL_LITERAL) total += m.size;
      line = await this.readLine();
    }
  }

  /** Discards the rest of an abandoned command: the non-synchronising literals its lines announce. */
  private async drainFrom(line: Buffer | 'too-long' | null): Promise<boolean> {
    let cur = line;
    for (;;) {
      if (cur === null) return false;
      if (cur === 'too-long') return true;
      const m = literalAtEnd(cur);
      if (!m || m.sync) return true;
      if (m.size > MAX_DISCARD || !(await this.discardBytes(m.size))) return false;
      cur = await this.readLine();
    }
  }
}

function literalAtEnd(line: Buffer): { size: number; sync: boolean } | null {
  const m = LITERAL_AT_END.exec(line.subarray(Math.max(0, line.length - 20)).toString('latin1'));
  return m ? { size: Number(m[1]), sync: m[2] !== '+' } : null;
}
