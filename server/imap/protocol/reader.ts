// Incremental IMAP command reader: fed socket chunks, it splits the input into command lines and
// literals (RFC 3501 §2.2, §4.3, RFC 9051 §2.2) with hard limits, and tokenizes each complete
// command. A state machine over four states: a line, a literal, and the two discard states used to
// skip the rest of a rejected command. It never throws; bad input becomes an error result and the
// reader carries on with the next command.
import {
  IMAP_MAX_COMMAND_TEXT,
  IMAP_MAX_DEPTH,
  IMAP_MAX_DISCARD,
  IMAP_MAX_LINE,
  IMAP_MAX_LITERAL,
} from '../../limits.ts';

/** An atom (RFC 3501 §4.1). Atoms with a `[...]` part (`BODY.PEEK[HEADER.FIELDS (A B)]<0.10>`,
 * RFC 3501 §6.4.5) keep the bracketed text apart so the FETCH parser needs no second tokenizer. */
export interface AtomToken {
  kind: 'atom';
  /** The atom exactly as sent. */
  value: string;
  /** Present when the atom has a `[...]` part: the text before `[`, inside, and after `]`. */
  bracket?: { base: string; section: string; after: string };
}
/** A quoted string (RFC 3501 §4.3) with its escapes removed, decoded as UTF-8 (RFC 9051 §4.3). */
export interface QuotedToken {
  kind: 'quoted';
  value: string;
}
/** A literal `{n}` or `{n+}` (RFC 3501 §4.3, RFC 7888), or a literal8 `~{n}` (RFC 3516 §4.1). */
export interface LiteralToken {
  kind: 'literal';
  value: Buffer;
  /** Sent as a literal8: the bytes may hold NUL. */
  binary?: true;
}
/** The atom NIL (RFC 3501 §4.5); `raw` keeps its case for commands that take it as an astring. */
export interface NilToken {
  kind: 'nil';
  raw: string;
}
/** A parenthesised list (RFC 3501 §4.4). */
export interface ListToken {
  kind: 'list';
  items: Token[];
}
export type Token = AtomToken | QuotedToken | LiteralToken | NilToken | ListToken;

/** A complete, tokenized command. `name` is upper-case; `UID FETCH …` gives name FETCH, uid true. */
export interface CommandResult {
  kind: 'command';
  tag: string;
  name: string;
  uid: boolean;
  args: Token[];
}
/** A synchronising literal was announced and accepted: the session writes `+ …` now. */
export interface ContinueResult {
  kind: 'continue';
  tag: string;
  size: number;
}
/** Input was refused. The session answers `<tag> BAD <message>` (or `* BAD` without a tag; `NO`
 * with the code when `code` is TOOBIG). After a fatal error it says BYE and closes: the reader
 * drops everything from then on. */
export interface ErrorResult {
  kind: 'error';
  tag: string | undefined;
  message: string;
  code: 'TOOBIG' | 'LIMIT' | undefined;
  fatal: boolean;
  /** For a literal refused as too big: the command that announced it (upper-case, without UID),
   * so the session can say NO [TOOBIG] for APPEND and BAD for the rest. */
  command?: string;
}
/** A raw line in line mode (IDLE's DONE, RFC 2177; SASL responses, RFC 3501 §6.2.2), without CRLF. */
export interface LineResult {
  kind: 'line';
  line: Buffer;
}
export type ReadResult = CommandResult | ContinueResult | ErrorResult | LineResult;

export interface ReaderLimits {
  maxLine: number;
  maxCommandText: number;
  maxLiteral: number;
  maxDiscard: number;
  maxDepth: number;
}

type State =
  | { s: 'line' }
  | { s: 'literal'; remaining: number; binary: boolean }
  | { s: 'discardLine'; markers: boolean }
  | { s: 'discardLiteral'; remaining: number }
  | { s: 'closed' };

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const DQUOTE = 0x22;
const LPAREN = 0x28;
const RPAREN = 0x29;
const LBRACE = 0x7b;
const TILDE = 0x7e;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const BACKSLASH = 0x5c;
const TAIL = 32;

const utf8 = new TextDecoder('utf-8', { fatal: true });

class SyntaxFault extends Error {}

/**
 * Usage: `for (const r of reader.feed(chunk))` — a command is dispatched, `continue` is answered
 * with `+ Ready for literal data`, an error with a tagged BAD. Results are produced lazily, so a
 * session may call `setMode('line')` right after IDLE/AUTHENTICATE and the bytes that follow are
 * read as raw lines; stopping the loop early keeps the rest for the next `feed()`/`next()`.
 */
export class CommandReader {
  /** Largest literal accepted; the session may change it (e.g. smaller before login). */
  maxLiteral: number;
  /** The largest literal a command (upper-case name, without UID) may send, when it differs from
   * `maxLiteral`; e.g. only APPEND needs message-sized literals (RFC 7889). */
  literalLimit: ((command: string) => number) | undefined;
  private readonly limits: ReaderLimits;
  private mode: 'command' | 'line' = 'command';
  private state: State = { s: 'line' };
  private input: Buffer[] = [];
  private inputPos = 0;
  private inputBytes = 0;
  private lineParts: Buffer[] = [];
  private lineLen = 0;
  private litParts: Buffer[] = [];
  private litLen = 0;
  private segments: Array<Buffer | LiteralToken> = [];
  private textLen = 0;
  private literalTotal = 0;
  private tail: Buffer = Buffer.alloc(0);
  private discarded = 0;

  constructor(limits: Partial<ReaderLimits> = {}) {
    this.limits = {
      maxLine: limits.maxLine ?? IMAP_MAX_LINE,
      maxCommandText: limits.maxCommandText ?? IMAP_MAX_COMMAND_TEXT,
      maxLiteral: limits.maxLiteral ?? IMAP_MAX_LITERAL,
      maxDiscard: limits.maxDiscard ?? IMAP_MAX_DISCARD,
      maxDepth: limits.maxDepth ?? IMAP_MAX_DEPTH,
    };
    this.maxLiteral = this.limits.maxLiteral;
    this.literalLimit = undefined;
  }

  /** Queues a chunk (at once) and returns the results it completes, read lazily as the caller
   * iterates. Never throws. */
  feed(chunk: Buffer): Generator<ReadResult, void, undefined> {
    this.push(chunk);
    return this.drain();
  }

  /** Yields results from queued input until more bytes are needed. */
  *drain(): Generator<ReadResult, void, undefined> {
    for (let r = this.next(); r; r = this.next()) yield r;
  }

  /** Queues a chunk without reading it. */
  push(chunk: Buffer): void {
    if (this.state.s === 'closed' || chunk.length === 0) return;
    this.input.push(chunk);
    this.inputBytes += chunk.length;
  }

  /** The next result from queued input, or undefined when more bytes are needed. Never throws. */
  next(): ReadResult | undefined {
    try {
      return this.step();
    } catch (err) {
      // Unreachable by design; a reader bug must not take the connection's process down.
      this.reset();
      return this.error(undefined, `Internal reader error: ${(err as Error).message}`, undefined, true);
    }
  }

  /** 'line': hand back raw lines (IDLE, SASL); 'command': parse commands (the default). */
  setMode(mode: 'command' | 'line'): void {
    this.mode = mode;
  }

  /** Drops queued and partial input, e.g. after STARTTLS (RFC 3501 §6.2.1: no plaintext may be
   * carried over into the TLS session). */
  discardInput(): void {
    this.input = [];
    this.inputPos = 0;
    this.inputBytes = 0;
    if (this.state.s !== 'closed') this.reset();
  }

  /** Bytes held for the command being read (lines and literals), bounded by the limits. */
  get bufferedBytes(): number {
    let n = this.lineLen + this.litLen + this.textLen;
    for (const s of this.segments) if (!Buffer.isBuffer(s)) n += s.value.length;
    return n;
  }

  /** Bytes queued by push()/feed() and not yet read. */
  get queuedBytes(): number {
    return this.inputBytes;
  }

  /** True between commands: nothing of a command has been read yet. */
  get idle(): boolean {
    return this.state.s === 'line' && this.lineLen === 0 && this.segments.length === 0;
  }

  /** What the reader waits for: literal bytes (kept or skipped), the end of a line, or nothing. */
  get waitingFor(): 'line' | 'literal' | 'closed' {
    const s = this.state.s;
    return s === 'discardLine' ? 'line' : s === 'discardLiteral' ? 'literal' : s;
  }

  /** True while the rest of a refused command is being skipped. */
  get discarding(): boolean {
    return this.state.s === 'discardLine' || this.state.s === 'discardLiteral';
  }

  private reset(): void {
    this.state = { s: 'line' };
    this.lineParts = [];
    this.lineLen = 0;
    this.litParts = [];
    this.litLen = 0;
    this.segments = [];
    this.textLen = 0;
    this.literalTotal = 0;
  }

  private error(
    tag: string | undefined,
    message: string,
    code: ErrorResult['code'] = undefined,
    fatal = false,
  ): ErrorResult {
    if (fatal) {
      this.state = { s: 'closed' };
      this.input = [];
      this.inputBytes = 0;
      this.inputPos = 0;
    }
    return { kind: 'error', tag, message, code, fatal };
  }

  private step(): ReadResult | undefined {
    for (;;) {
      const st = this.state;
      if (st.s === 'closed') return undefined;
      if (st.s === 'literal' && st.remaining === 0) {
        const value = this.litParts.length === 1 ? this.litParts[0]! : Buffer.concat(this.litParts);
        this.segments.push(st.binary ? { kind: 'literal', value, binary: true } : { kind: 'literal', value });
        this.litParts = [];
        this.litLen = 0;
        this.state = { s: 'line' };
        continue;
      }
      if (st.s === 'discardLiteral' && st.remaining === 0) {
        this.state = { s: 'discardLine', markers: true };
        this.tail = Buffer.alloc(0);
        continue;
      }
      const chunk = this.input[0];
      if (!chunk) return undefined;
      const start = this.inputPos;
      if (st.s === 'literal' || st.s === 'discardLiteral') {
        const n = Math.min(st.remaining, chunk.length - start);
        if (st.s === 'literal') {
          this.litParts.push(chunk.subarray(start, start + n));
          this.litLen += n;
        }
        st.remaining -= n;
        this.consume(n);
        continue;
      }
      const lf = chunk.indexOf(LF, start);
      const end = lf < 0 ? chunk.length : lf;
      const piece = chunk.subarray(start, end);
      this.consume(lf < 0 ? end - start : end - start + 1);
      if (st.s === 'discardLine') {
        this.tail = lastBytes(this.tail, piece);
        if (lf < 0) continue;
        const result = this.endDiscardLine(st.markers);
        if (result) return result;
        continue;
      }
      // Reading a line: one spare byte for the CR before LF.
      if (this.lineLen + piece.length > this.limits.maxLine + 1) {
        const head = this.lineParts.length ? Buffer.concat([...this.lineParts, piece]) : piece;
        const s0 = this.segments[0];
        const tag = this.mode === 'command' ? readTag(Buffer.isBuffer(s0) ? s0 : head) : undefined;
        this.lineParts = [];
        this.lineLen = 0;
        this.segments = [];
        this.textLen = 0;
        this.literalTotal = 0;
        this.tail = lastBytes(Buffer.alloc(0), piece);
        const markers = this.mode === 'command';
        this.state = { s: 'discardLine', markers };
        if (lf >= 0) {
          const r = this.endDiscardLine(markers);
          if (r?.fatal) return r;
        }
        return this.error(tag, 'Line too long', 'LIMIT');
      }
      this.lineParts.push(piece);
      this.lineLen += piece.length;
      if (lf < 0) continue;
      let line = this.lineParts.length === 1 ? this.lineParts[0]! : Buffer.concat(this.lineParts);
      this.lineParts = [];
      this.lineLen = 0;
      if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
      const result = this.mode === 'line' ? ({ kind: 'line', line } as const) : this.endLine(line);
      if (result) return result;
    }
  }

  private consume(n: number): void {
    this.inputPos += n;
    this.inputBytes -= n;
    const chunk = this.input[0];
    if (chunk && this.inputPos >= chunk.length) {
      this.input.shift();
      this.inputPos = 0;
    }
  }

  /** The end of a line being skipped: a `{n+}` at its end means n more bytes to skip (RFC 7888 §4). */
  private endDiscardLine(markers: boolean): ErrorResult | undefined {
    let tail = this.tail;
    this.tail = Buffer.alloc(0);
    if (tail.length > 0 && tail[tail.length - 1] === CR) tail = tail.subarray(0, tail.length - 1);
    const m = markers ? literalMarker(tail) : undefined;
    if (m && !m.sync) return this.startDiscard(m.size);
    this.reset();
    return undefined;
  }

  /** Skips a refused non-synchronising literal, or gives up on the connection when it is too big. */
  private startDiscard(size: number): ErrorResult | undefined {
    const maxDiscard = Math.max(this.limits.maxDiscard, this.maxLiteral);
    this.discarded += size;
    if (size > maxDiscard || this.discarded > maxDiscard * 2) {
      return this.error(undefined, 'Too much data to discard', 'LIMIT', true);
    }
    this.lineParts = [];
    this.lineLen = 0;
    this.segments = [];
    this.textLen = 0;
    this.literalTotal = 0;
    this.state = { s: 'discardLiteral', remaining: size };
    return undefined;
  }

  /** Refuses the command being read; a literal it announced without `+` is skipped. */
  private refuse(
    tag: string | undefined,
    message: string,
    marker: { size: number; sync: boolean } | undefined,
    code?: ErrorResult['code'],
  ): ErrorResult {
    if (marker && !marker.sync) {
      const fatal = this.startDiscard(marker.size);
      if (fatal) return fatal;
    } else {
      this.reset();
    }
    return this.error(tag, message, code);
  }

  private endLine(line: Buffer): ReadResult | undefined {
    if (this.segments.length === 0 && line.length === 0) return undefined; // stray CRLF
    const first = this.segments[0];
    const head = Buffer.isBuffer(first) ? first : line;
    const tag = readTag(head);
    const marker = literalMarker(line);
    this.textLen += line.length;
    if (this.textLen > this.limits.maxCommandText) {
      return this.refuse(tag, 'Command too long', marker, 'LIMIT');
    }
    if (!marker) {
      this.segments.push(line);
      const segments = this.segments;
      this.reset();
      this.discarded = 0;
      return tokenize(segments, this.limits.maxDepth);
    }
    const command = commandName(head);
    if (marker.binary && command !== 'APPEND') {
      // RFC 3516 §4.1: literal8 carries a message (APPEND, and CATENATE's TEXT within it)
      return this.refuse(tag, 'literal8 is only for APPEND', marker);
    }
    const body = line.subarray(0, marker.start);
    const before = body[body.length - 1];
    if (before !== SP && before !== LPAREN) return this.refuse(tag, 'Missing space before literal', marker);
    if (this.segments.length === 0) {
      // Check the line so far before asking for the literal: a command already known to be bad
      // gets its BAD now, not after the client has sent megabytes.
      const check = tokenize([body], this.limits.maxDepth, true);
      if (check.kind === 'error') return this.refuse(tag, check.message, marker);
    }
    const max = command !== undefined && this.literalLimit ? this.literalLimit(command) : this.maxLiteral;
    if (marker.size > max || this.literalTotal + marker.size > max + this.limits.maxCommandText) {
      // RFC 7888 §4, RFC 9051 §7.1: no `+` for a literal we will not take.
      const refused = this.refuse(tag, 'Literal too big', marker, 'TOOBIG');
      if (!refused.fatal && command !== undefined) refused.command = command;
      return refused;
    }
    this.literalTotal += marker.size;
    this.segments.push(body);
    this.state = { s: 'literal', remaining: marker.size, binary: marker.binary };
    if (marker.sync) return { kind: 'continue', tag: tag ?? '', size: marker.size };
    return undefined;
  }
}

function lastBytes(prev: Buffer, piece: Buffer): Buffer {
  if (piece.length >= TAIL) return Buffer.from(piece.subarray(piece.length - TAIL));
  const joined = Buffer.concat([prev, piece]);
  return joined.length > TAIL ? joined.subarray(joined.length - TAIL) : joined;
}

/** `{n}`, `{n+}` or `~{n}` at the end of a line (RFC 3501 §9 literal, RFC 7888, RFC 3516). */
function literalMarker(
  line: Buffer,
): { size: number; sync: boolean; binary: boolean; start: number } | undefined {
  let i = line.length - 1;
  if (i < 2 || line[i] !== 0x7d) return undefined;
  i--;
  const sync = line[i] !== 0x2b;
  if (!sync) i--;
  const digitsEnd = i + 1;
  while (i >= 0 && line[i]! >= 0x30 && line[i]! <= 0x39) i--;
  if (i < 0 || i + 1 === digitsEnd || line[i] !== LBRACE) return undefined;
  const digits = line.toString('latin1', i + 1, digitsEnd);
  // Absurd lengths stay as a huge number, which every limit refuses.
  const size = digits.length > 15 ? Number.MAX_SAFE_INTEGER : Number(digits);
  const binary = i > 0 && line[i - 1] === TILDE;
  return { size, sync, binary, start: binary ? i - 1 : i };
}

/** RFC 3501 §9 atom-specials and CTLs; `]` and `[` are handled by the atom reader. */
function isAtomChar(c: number): boolean {
  return (
    c > SP &&
    c < 0x7f &&
    c !== LPAREN &&
    c !== RPAREN &&
    c !== LBRACE &&
    c !== DQUOTE &&
    c !== LBRACKET &&
    c !== RBRACKET
  );
}

/** RFC 3501 §9: tag = 1*<any ASTRING-CHAR except "+">. */
function isTagChar(c: number): boolean {
  return (isAtomChar(c) && c !== 0x25 && c !== 0x2a && c !== BACKSLASH && c !== 0x2b) || c === RBRACKET;
}

/** The tag at the start of a line, if it is a valid one (for error answers). */
export function readTag(line: Buffer): string | undefined {
  let i = 0;
  while (i < line.length && i < 1024 && isTagChar(line[i]!)) i++;
  if (i === 0 || (i < line.length && line[i] !== SP)) return undefined;
  return line.toString('latin1', 0, i);
}

function parseHead(line: Buffer): { tag: string; name: string; uid: boolean; pos: number } {
  const tag = readTag(line);
  if (tag === undefined) throw new SyntaxFault('Missing or invalid tag');
  let pos = tag.length;
  const word = (): string => {
    if (line[pos] !== SP) throw new SyntaxFault('Missing command');
    pos++;
    const start = pos;
    while (pos < line.length && isAtomChar(line[pos]!)) pos++;
    if (pos === start) throw new SyntaxFault('Missing command');
    if (pos < line.length && line[pos] !== SP) throw new SyntaxFault('Invalid command name');
    return line.toString('latin1', start, pos).toUpperCase();
  };
  let name = word();
  let uid = false;
  if (name === 'UID') {
    // RFC 3501 §6.4.8
    uid = true;
    name = word();
  }
  return { tag, name, uid, pos };
}

/** The command name of a command's first line, or undefined when its head is malformed. */
function commandName(line: Buffer): string | undefined {
  try {
    return parseHead(line).name;
  } catch {
    return undefined;
  }
}

/** Turns the lines and literals of one command into tokens (RFC 3501 §9 formal syntax); `partial`
 * checks the start of a command that continues after a literal. */
function tokenize(
  segments: Array<Buffer | LiteralToken>,
  maxDepth: number,
  partial = false,
): CommandResult | ErrorResult {
  const first = segments[0];
  if (!Buffer.isBuffer(first)) return errorOf(undefined, 'Missing tag');
  const tag = readTag(first);
  try {
    const head = parseHead(first);
    const args: Token[] = [];
    const stack: Token[][] = [args];
    let needSpace = true; // a separator is due before the next token
    let pos = head.pos;
    for (let si = 0; si < segments.length; si++) {
      const seg = segments[si]!;
      if (!Buffer.isBuffer(seg)) {
        if (needSpace) throw new SyntaxFault('Missing space before literal');
        stack[stack.length - 1]!.push(seg);
        needSpace = true;
        continue;
      }
      const line = seg;
      if (si > 0) pos = 0;
      while (pos < line.length) {
        const c = line[pos]!;
        const list = stack[stack.length - 1]!;
        if (c === SP) {
          needSpace = false;
          pos++;
          continue;
        }
        if (c === RPAREN) {
          if (stack.length === 1) throw new SyntaxFault('Unexpected )');
          stack.pop();
          needSpace = true;
          pos++;
          continue;
        }
        if (needSpace) throw new SyntaxFault('Missing space between arguments');
        if (c === LPAREN) {
          if (stack.length > maxDepth) throw new SyntaxFault('Lists nested too deeply');
          const items: Token[] = [];
          list.push({ kind: 'list', items });
          stack.push(items);
          pos++;
          continue;
        }
        if (c === DQUOTE) {
          const [value, next] = readQuoted(line, pos);
          list.push({ kind: 'quoted', value });
          pos = next;
        } else if (c === LBRACE || (c === TILDE && line[pos + 1] === LBRACE)) {
          // `~` starts a literal8 only before `{` (RFC 3516 §4.1); alone it is an atom character
          throw new SyntaxFault('A literal must end its line');
        } else {
          const [atom, next] = readAtom(line, pos);
          list.push(atom);
          pos = next;
        }
        needSpace = true;
      }
    }
    // A partial check stops before a literal, inside lists that are still open.
    if (stack.length > 1 && !partial) throw new SyntaxFault('Missing )');
    return { kind: 'command', tag: head.tag, name: head.name, uid: head.uid, args };
  } catch (err) {
    if (err instanceof SyntaxFault) return errorOf(tag, err.message);
    throw err;
  }
}

function errorOf(tag: string | undefined, message: string): ErrorResult {
  return { kind: 'error', tag, message, code: undefined, fatal: false };
}

/** RFC 3501 §4.3, §9: quoted = DQUOTE *QUOTED-CHAR DQUOTE; only `\\` and `\"` are escapes. */
function readQuoted(line: Buffer, start: number): [string, number] {
  const parts: Buffer[] = [];
  let from = start + 1;
  for (let i = from; i < line.length; i++) {
    const c = line[i]!;
    if (c === DQUOTE) {
      parts.push(line.subarray(from, i));
      return [decodeUtf8(parts.length === 1 ? parts[0]! : Buffer.concat(parts)), i + 1];
    }
    if (c === BACKSLASH) {
      const n = line[i + 1];
      if (n !== BACKSLASH && n !== DQUOTE) throw new SyntaxFault('Invalid escape in quoted string');
      parts.push(line.subarray(from, i));
      from = i + 1;
      i++;
      continue;
    }
    if (c === 0 || c === CR) throw new SyntaxFault('Invalid character in quoted string');
  }
  throw new SyntaxFault('Unterminated quoted string');
}

function decodeUtf8(buf: Buffer): string {
  try {
    return utf8.decode(buf);
  } catch {
    throw new SyntaxFault('Invalid UTF-8 in quoted string');
  }
}

/** An atom, NIL, or an atom with one `[...]` part that may hold spaces, lists and quoted names
 * (RFC 3501 §6.4.5 section, header-list). `]` alone is an ASTRING-CHAR (RFC 3501 §9). */
function readAtom(line: Buffer, start: number): [AtomToken | NilToken, number] {
  let i = start;
  let open = -1;
  let close = -1;
  while (i < line.length) {
    const c = line[i]!;
    if (c === LBRACKET) {
      if (open >= 0) throw new SyntaxFault('Unexpected [');
      open = i;
      i++;
      let inQuote = false;
      for (; i < line.length; i++) {
        const b = line[i]!;
        if (b < SP || b >= 0x7f) throw new SyntaxFault('Invalid character in section');
        if (inQuote) {
          if (b === BACKSLASH) i++;
          else if (b === DQUOTE) inQuote = false;
        } else if (b === DQUOTE) inQuote = true;
        else if (b === LBRACKET || b === LBRACE) throw new SyntaxFault('Invalid character in section');
        else if (b === RBRACKET) break;
      }
      if (i >= line.length) throw new SyntaxFault('Missing ]');
      close = i;
      i++;
      continue;
    }
    if (c === RBRACKET || isAtomChar(c)) {
      i++;
      continue;
    }
    if (c === SP || c === RPAREN) break;
    throw new SyntaxFault(c < SP || c >= 0x7f ? 'Invalid character in atom' : 'Unexpected character in atom');
  }
  const value = line.toString('latin1', start, i);
  if (open < 0) {
    if (value.length === 3 && value.toUpperCase() === 'NIL') return [{ kind: 'nil', raw: value }, i];
    return [{ kind: 'atom', value }, i];
  }
  const bracket = {
    base: line.toString('latin1', start, open),
    section: line.toString('latin1', open + 1, close),
    after: line.toString('latin1', close + 1, i),
  };
  return [{ kind: 'atom', value, bracket }, i];
}
