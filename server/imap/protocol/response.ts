// IMAP response serialisation (RFC 3501 §7, RFC 9051 §7) and a writer that honours socket
// backpressure, so large FETCH bodies stream instead of being buffered whole.
import type { Readable, Writable } from 'node:stream';
import { IMAP_MAX_QUOTED } from '../../limits.ts';

// ---- values ----

/** An atom written as is (FLAGS, \Seen, NIL-free keywords). */
export interface AtomValue {
  atom: string;
}
/** Bytes always written as a literal. */
export interface LiteralValue {
  literal: Buffer | string;
}
/** Already formatted text, e.g. `BODY[HEADER]` or a precomputed BODYSTRUCTURE. */
export interface RawValue {
  raw: string;
}
/** A response value: strings choose quoted or literal, null is NIL, arrays are lists. */
export type ImapValue =
  null | string | number | bigint | Buffer | AtomValue | LiteralValue | RawValue | readonly ImapValue[];

export const atom = (text: string): AtomValue => ({ atom: text });
export const literal = (data: Buffer | string): LiteralValue => ({ literal: data });
export const raw = (text: string): RawValue => ({ raw: text });

export interface SerializeOptions {
  /** UTF8=ACCEPT is on (RFC 6855 §3): UTF-8 may go in quoted strings. */
  utf8?: boolean;
}

/** RFC 3501 §4.3: a quoted string cannot hold CR, LF or NUL, and (without UTF8=ACCEPT) 8-bit. */
function needsLiteral(bytes: Buffer, utf8: boolean): boolean {
  if (bytes.length > IMAP_MAX_QUOTED) return true;
  for (const b of bytes) {
    if (b === 0 || b === 0x0a || b === 0x0d || (b >= 0x80 && !utf8)) return true;
  }
  return false;
}

function pushString(out: Array<string | Buffer>, bytes: Buffer, opts: SerializeOptions): void {
  if (needsLiteral(bytes, opts.utf8 ?? false)) {
    out.push(`{${bytes.length}}\r\n`, bytes);
  } else {
    out.push('"' + bytes.toString('utf8').replace(/[\\"]/g, '\\$&') + '"');
  }
}

function serializeInto(out: Array<string | Buffer>, v: ImapValue, opts: SerializeOptions): void {
  if (v === null) out.push('NIL');
  else if (typeof v === 'string') pushString(out, Buffer.from(v, 'utf8'), opts);
  else if (typeof v === 'number' || typeof v === 'bigint') out.push(String(v));
  else if (Buffer.isBuffer(v)) pushString(out, v, opts);
  else if (Array.isArray(v)) {
    out.push('(');
    v.forEach((item: ImapValue, i: number) => {
      if (i > 0) out.push(' ');
      serializeInto(out, item, opts);
    });
    out.push(')');
  } else if ('atom' in v) out.push(v.atom);
  else if ('raw' in v) out.push(v.raw);
  else if ('literal' in v) {
    const bytes = typeof v.literal === 'string' ? Buffer.from(v.literal, 'utf8') : v.literal;
    out.push(`{${bytes.length}}\r\n`, bytes);
  }
}

/** Serialises one value to wire bytes. */
export function serialize(value: ImapValue, opts: SerializeOptions = {}): Buffer {
  return join(serializeList([value], opts));
}

function serializeList(values: readonly ImapValue[], opts: SerializeOptions): Array<string | Buffer> {
  const out: Array<string | Buffer> = [];
  values.forEach((v, i) => {
    if (i > 0) out.push(' ');
    serializeInto(out, v, opts);
  });
  return out;
}

function join(parts: Array<string | Buffer>): Buffer {
  // text alone (most responses) is joined first and encoded once
  if (parts.every((p) => typeof p === 'string')) return Buffer.from(parts.join(''), 'utf8');
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
}

// ---- sequence sets ----

/** Compact set text, `1:3,5`. Sorted and de-duplicated unless `keepOrder`, which only joins
 * ascending runs: COPYUID's two sets must pair up element by element (RFC 4315 §3). */
export function formatSequenceSet(numbers: Iterable<number>, keepOrder = false): string {
  let list = [...numbers];
  if (!keepOrder) list = [...new Set(list)].sort((a, b) => a - b);
  const parts: string[] = [];
  let i = 0;
  while (i < list.length) {
    const start = list[i]!;
    let end = start;
    while (i + 1 < list.length && list[i + 1] === end + 1) end = list[++i]!;
    parts.push(start === end ? String(start) : `${start}:${end}`);
    i++;
  }
  return parts.join(',');
}

// ---- response codes (RFC 3501 §7.1, RFC 5530, RFC 4315, RFC 7162, RFC 7889) ----

export type SimpleCode =
  | 'ALERT'
  | 'PARSE'
  | 'TRYCREATE'
  | 'AUTHENTICATIONFAILED'
  | 'AUTHORIZATIONFAILED'
  | 'UNAVAILABLE'
  | 'ALREADYEXISTS'
  | 'NONEXISTENT'
  | 'CANNOT'
  | 'OVERQUOTA'
  | 'TOOBIG'
  | 'LIMIT'
  | 'READ-ONLY'
  | 'READ-WRITE'
  | 'EXPUNGEISSUED'
  | 'NOPERM'
  | 'INUSE'
  | 'SERVERBUG'
  | 'CLIENTBUG'
  | 'CONTACTADMIN'
  | 'PRIVACYREQUIRED'
  | 'EXPIRED'
  | 'CORRUPTION'
  | 'CLOSED'
  | 'UIDNOTSTICKY'
  | 'USEATTR'
  | 'UNKNOWN-CTE'
  | 'COMPRESSIONACTIVE';
export type ResponseCode =
  | SimpleCode
  | { code: 'APPENDUID'; uidValidity: number; uids: number[] }
  | { code: 'COPYUID'; uidValidity: number; source: number[]; dest: number[] }
  | { code: 'PERMANENTFLAGS'; flags: string[] }
  | { code: 'UIDVALIDITY' | 'UIDNEXT' | 'UNSEEN' | 'HIGHESTMODSEQ'; value: number | bigint }
  | { code: 'CAPABILITY'; capabilities: string[] }
  | { code: 'BADCHARSET'; charsets: string[] }
  | { code: 'BADURL'; url: string }
  /** RFC 7162 §3.1.3: the messages a conditional STORE left alone, as a set text. */
  | { code: 'MODIFIED'; set: string }
  /** RFC 5267 §4.3: the search with this tag will not be kept up to date. */
  | { code: 'NOUPDATE'; tag: string };

/** The text between `[` and `]`. */
export function formatCode(code: ResponseCode): string {
  if (typeof code === 'string') return code;
  switch (code.code) {
    case 'APPENDUID':
      return `APPENDUID ${code.uidValidity} ${formatSequenceSet(code.uids, true)}`;
    case 'COPYUID':
      return `COPYUID ${code.uidValidity} ${formatSequenceSet(code.source, true)} ${formatSequenceSet(code.dest, true)}`;
    case 'PERMANENTFLAGS':
      return `PERMANENTFLAGS (${code.flags.join(' ')})`;
    case 'CAPABILITY':
      return `CAPABILITY ${code.capabilities.join(' ')}`;
    case 'MODIFIED':
      return `MODIFIED ${code.set}`;
    case 'BADCHARSET':
      return code.charsets.length ? `BADCHARSET (${code.charsets.join(' ')})` : 'BADCHARSET';
    case 'BADURL':
      return `BADURL ${code.url}`;
    case 'NOUPDATE':
      return `NOUPDATE "${code.tag}"`;
    default:
      return `${code.code} ${code.value}`;
  }
}

export type Status = 'OK' | 'NO' | 'BAD';

/** Response text may not hold CR or LF (RFC 3501 §9 text); they become spaces. */
function text(t: string): string {
  return t.replace(/[\r\n]+/g, ' ');
}

/** `tag OK [code] text\r\n` (RFC 3501 §7.1). */
export function tagged(tag: string, status: Status, message: string, code?: ResponseCode): string {
  return `${tag} ${status} ${code ? `[${formatCode(code)}] ` : ''}${text(message)}\r\n`;
}

/** `* OK|NO|BAD|PREAUTH|BYE [code] text\r\n`. */
export function untaggedStatus(
  status: Status | 'PREAUTH' | 'BYE',
  message: string,
  code?: ResponseCode,
): string {
  return `* ${status} ${code ? `[${formatCode(code)}] ` : ''}${text(message)}\r\n`;
}

/** `* ` followed by the values separated by spaces, e.g. `untagged(3, atom('EXISTS'))` or
 * `untagged(1, atom('FETCH'), [atom('UID'), 5])`. */
export function untagged(...values: ImapValue[]): Buffer {
  return join(['* ', ...serializeList(values, {}), '\r\n']);
}

/** Like `untagged` with UTF-8 allowed in quoted strings. */
export function untaggedWith(opts: SerializeOptions, ...values: ImapValue[]): Buffer {
  return join(['* ', ...serializeList(values, opts), '\r\n']);
}

/** `+ text\r\n` (RFC 3501 §7.5); for SASL the text is the base64 challenge. */
export function continuation(message = 'Ready for literal data'): string {
  return `+ ${text(message)}\r\n`;
}

// ---- dates ----

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** INTERNALDATE as `"17-Jul-1996 09:44:25 +0000"` (RFC 3501 §9 date-time; in UTC, the sender's zone
 * is not stored). */
export function formatDateTime(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return (
    `"${p(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000"`
  );
}

// ---- writer ----

/** Small responses are gathered up to this many bytes and written together. */
export const GATHER = 16 * 1024;

/** Writes responses to a socket, waiting for 'drain' whenever `write()` returns false, so a slow
 * client slows us down instead of growing our buffers (docs/ARCHITECTURE.md §6). Small responses are queued with
 * `queue()` and written together by `flush()`. */
export class ResponseWriter {
  private pending: Array<string | Buffer> = [];
  private pendingBytes = 0;
  private afterFlush: (() => void) | undefined;

  constructor(private out: Writable) {}

  /** After STARTTLS the same writer goes on over the TLS socket (RFC 3501 §6.2.1); after COMPRESS
   * over a compressor, with `afterFlush` to push out what it holds (RFC 4978 §4). */
  setOutput(out: Writable, afterFlush?: () => void): void {
    this.out = out;
    this.afterFlush = afterFlush;
  }

  get closed(): boolean {
    return this.out.destroyed || this.out.writableEnded;
  }

  /** Queues wire bytes (with their CRLF) for the next flush. */
  queue(data: string | Buffer): void {
    this.pending.push(data);
    this.pendingBytes += data.length;
  }

  /** Queues `* text\r\n`; `text` is already formatted response data. */
  untagged(text: string): void {
    this.queue(`* ${text}\r\n`);
  }

  /** Writes what is queued; resolves once the socket can take more. Never rejects: a closed
   * connection drops the bytes (the session notices the close on its own). */
  async flush(): Promise<void> {
    if (this.pending.length) {
      const parts = this.pending;
      this.pending = [];
      this.pendingBytes = 0;
      if (this.closed) return;
      this.out.write(parts.length === 1 ? parts[0]! : join(parts));
      this.afterFlush?.();
    }
    if (this.out.writableNeedDrain && !this.closed) await this.drained().catch(() => undefined);
  }

  /** Flushes when enough is queued or the socket is behind (call between messages of a FETCH). */
  async maybeFlush(): Promise<void> {
    if (this.pendingBytes >= GATHER || this.out.writableNeedDrain) await this.flush();
  }

  /** Writes bytes after what is queued; resolves when the socket can take more. Rejects if it is
   * closed. */
  async write(data: string | Buffer): Promise<void> {
    if (this.closed) throw new Error('Connection closed');
    if (this.pending.length) {
      this.queue(data);
      const parts = this.pending;
      this.pending = [];
      this.pendingBytes = 0;
      data = join(parts);
    }
    if (!this.out.write(data)) await this.drained();
  }

  /** Waits for 'drain', or fails on 'close'/'error'. */
  private drained(): Promise<void> {
    return new Promise((resolve, reject) => {
      const cleanup = (): void => {
        this.out.off('drain', onDrain);
        this.out.off('close', onClose);
        this.out.off('error', onClose);
      };
      const onDrain = (): void => {
        cleanup();
        resolve();
      };
      const onClose = (): void => {
        cleanup();
        reject(new Error('Connection closed'));
      };
      this.out.on('drain', onDrain);
      this.out.on('close', onClose);
      this.out.on('error', onClose);
    });
  }

  /** Writes `prefix{size}\r\n`, then exactly `size` bytes from `body`, then `suffix` — for
   * `* 1 FETCH (BODY[] {12345}\r\n…)\r\n`. If the stream does not give exactly `size` bytes the
   * client can no longer parse the connection: the socket is destroyed and the promise rejects.
   * The small pieces a rebuilt message streams in (header, boundaries, parts) are gathered like
   * small responses, up to GATHER bytes per socket write, rather than written one by one. */
  async writeLiteralStream(prefix: string, size: number, body: Readable, suffix = ''): Promise<void> {
    if (this.closed) throw new Error('Connection closed');
    this.queue(`${prefix}{${size}}\r\n`);
    let sent = 0;
    try {
      for await (const chunk of body) {
        const buf: Buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
        if (sent + buf.length > size) throw new Error('Literal stream longer than announced');
        sent += buf.length;
        await this.literalPiece(buf);
      }
      if (sent !== size) throw new Error('Literal stream shorter than announced');
    } catch (err) {
      body.destroy();
      this.out.destroy();
      throw err;
    }
    if (suffix) this.queue(suffix);
    await this.maybeFlush();
  }

  /** `writeLiteralStream` for bytes already in memory (a message with no body in GridFS): the
   * same wire bytes, without a stream to read them from. */
  async writeLiteralPieces(
    prefix: string,
    size: number,
    pieces: readonly Buffer[],
    suffix = '',
  ): Promise<void> {
    if (this.closed) throw new Error('Connection closed');
    let total = 0;
    for (const p of pieces) total += p.length;
    if (total !== size) {
      this.out.destroy();
      throw new Error('Literal pieces differ from the announced size');
    }
    this.queue(`${prefix}{${size}}\r\n`);
    for (const p of pieces) {
      // small pieces are queued without a pause; the socket is looked at once enough is queued
      if (p.length < GATHER && this.pendingBytes + p.length < GATHER) this.queue(p);
      else await this.literalPiece(p);
    }
    if (suffix) this.queue(suffix);
    await this.maybeFlush();
  }

  private async literalPiece(buf: Buffer): Promise<void> {
    if (this.closed) throw new Error('Connection closed');
    if (buf.length < GATHER) {
      this.queue(buf);
      if (this.pendingBytes >= GATHER || this.out.writableNeedDrain) await this.flush();
    } else {
      // a large piece (a GridFS chunk) goes as it is: joining would copy it, and the copy
      // would sit in memory beside the original while the client does not read
      await this.flush();
      if (!this.out.write(buf)) await this.drained();
    }
  }
}
