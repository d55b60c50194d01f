// mbox (RFC 4155) reading and writing. Written as mboxrd: every line of a message that starts with
// zero or more '>' and then "From " gets one more '>', so reading undoes it exactly and the message
// bytes come back as they were stored. Reading also takes mboxo (no unquoting: its quoting is lossy).
import type { Readable } from 'node:stream';

export type MboxFormat = 'mboxrd' | 'mboxo';

export interface MboxMessage {
  raw: Buffer;
  /** The separator line without "From " and the line end. */
  fromLine: string;
  /** Bytes of the input consumed so far (for progress). */
  offset: number;
}

const FROM = Buffer.from('From ');

function isFromLine(line: Buffer): boolean {
  return line.length >= 5 && line.subarray(0, 5).equals(FROM);
}

/** A quoted "From " line: one or more '>' then "From ". */
function quotedFromDepth(line: Buffer): number {
  let i = 0;
  while (i < line.length && line[i] === 0x3e) i++;
  return i > 0 && line.length >= i + 5 && line.subarray(i, i + 5).equals(FROM) ? i : 0;
}

export class MboxFormatError extends Error {}

/** Splits an mbox stream into messages, one at a time; memory use is one message. */
export async function* readMbox(
  input: Readable,
  format: MboxFormat = 'mboxrd',
  maxMessage = Infinity,
): AsyncGenerator<MboxMessage> {
  let pending = Buffer.alloc(0);
  let lines: Buffer[] = [];
  let size = 0;
  let fromLine: string | null = null;
  let offset = 0;
  let tooLarge = false;

  const finish = (): MboxMessage | null => {
    if (fromLine === null) return null;
    let raw = Buffer.concat(lines);
    // the empty line that separates messages is not part of the message
    if (raw.length >= 2 && raw[raw.length - 1] === 0x0a && raw[raw.length - 2] === 0x0a)
      raw = raw.subarray(0, -1);
    else if (raw.length === 1 && raw[0] === 0x0a) raw = raw.subarray(0, 0);
    const m = { raw, fromLine, offset };
    lines = [];
    size = 0;
    return m;
  };

  const takeLine = function* (line: Buffer): Generator<MboxMessage> {
    if (isFromLine(line)) {
      if (fromLine !== null) {
        const m = finish();
        if (m && !tooLarge) yield m;
      }
      tooLarge = false;
      fromLine = line
        .subarray(5)
        .toString('latin1')
        .replace(/\r?\n$/, '');
      return;
    }
    if (fromLine === null) {
      if (line.toString('latin1').trim() === '') return;
      throw new MboxFormatError('not an mbox file: it does not start with a "From " line');
    }
    const depth = format === 'mboxrd' ? quotedFromDepth(line) : 0;
    const content = depth > 0 ? line.subarray(1) : line;
    size += content.length;
    if (size > maxMessage) {
      tooLarge = true;
      lines = [];
      return;
    }
    lines.push(content);
  };

  for await (const chunk of input) {
    const buf: Buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    offset += buf.length;
    let data = pending.length ? Buffer.concat([pending, buf]) : buf;
    let nl: number;
    while ((nl = data.indexOf(0x0a)) !== -1) {
      yield* takeLine(data.subarray(0, nl + 1));
      data = data.subarray(nl + 1);
    }
    pending = Buffer.from(data);
  }
  if (pending.length) yield* takeLine(pending);
  if (fromLine === null) throw new MboxFormatError('not an mbox file: no "From " line found');
  const last = finish();
  if (last && !tooLarge) yield last;
}

/** mboxrd quoting of one message: ">" before every line matching /^>*From /. */
export function quoteMboxrd(raw: Buffer): Buffer {
  const text = raw.toString('latin1');
  return Buffer.from(text.replace(/(^|\n)(>*From )/g, '$1>$2'), 'latin1');
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** asctime() in UTC, as mbox separator lines carry it: `Sat Nov 28 15:16:36 2026`. */
export function asctime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/** The separator line for a message; the sender has no spaces (RFC 4155). */
export function fromLineFor(sender: string, date: Date): string {
  const s = sender.replace(/\s+/g, '') || 'MAILER-DAEMON';
  return `From ${s} ${asctime(date)}\n`;
}

/** The date in a separator line, read as UTC; null when there is none. */
export function dateOfFromLine(fromLine: string): Date | null {
  const m =
    /([A-Z][a-z]{2})\s+(\d{1,2})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s+(?:[A-Z]{3,4}\s+|[+-]\d{4}\s+)?(\d{4})/.exec(
      fromLine,
    );
  if (!m) return null;
  const month = MONTHS.indexOf(m[1]!);
  if (month < 0) return null;
  const d = new Date(
    Date.UTC(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5] ?? 0)),
  );
  return Number.isNaN(d.getTime()) ? null : d;
}

/** One message as written to an mboxrd file: separator, quoted bytes, a final newline, a blank line. */
export function mboxEntry(raw: Buffer, sender: string, date: Date): Buffer[] {
  const body = quoteMboxrd(raw);
  const parts = [Buffer.from(fromLineFor(sender, date), 'latin1'), body];
  if (body.length === 0 || body[body.length - 1] !== 0x0a) parts.push(Buffer.from('\n'));
  parts.push(Buffer.from('\n'));
  return parts;
}
