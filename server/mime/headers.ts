// Splitting a raw header block into fields without losing a byte, and turning values into text.
const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HT = 0x09;

/** One header field: its lines (with folded continuations) at [start, end) of the block. */
export interface RawField {
  /** Field name as written; '' for a line that is not a field (mbox "From " line, garbage). */
  name: string;
  lower: string;
  start: number;
  end: number;
  /** Where the value starts: just after the colon. */
  valueStart: number;
}

/** Where the header block of an entity spanning [start, end) ends, i.e. where its body starts. */
export function findBodyStart(raw: Buffer, start: number, end: number): number {
  let pos = start;
  while (pos < end) {
    // RFC 5322 §2.1: the header ends at the first empty line; bare LF is accepted too.
    if (raw[pos] === LF) return pos + 1;
    if (raw[pos] === CR && pos + 1 < end && raw[pos + 1] === LF) return pos + 2;
    const lf = raw.indexOf(LF, pos);
    if (lf < 0 || lf >= end) return end;
    pos = lf + 1;
  }
  return end;
}

function fieldName(line: Buffer): { name: string; valueStart: number } | null {
  const colon = line.indexOf(0x3a);
  if (colon <= 0) return null;
  let nameEnd = colon;
  // RFC 5322 §4.5.1 obsolete syntax allows white space before the colon.
  while (nameEnd > 0 && (line[nameEnd - 1] === SP || line[nameEnd - 1] === HT)) nameEnd--;
  if (nameEnd === 0) return null;
  for (let i = 0; i < nameEnd; i++) {
    const c = line[i]!;
    if (c <= SP || c >= 0x7f) return null;
  }
  return { name: line.toString('latin1', 0, nameEnd), valueStart: colon + 1 };
}

/** Splits a header block (as stored) into fields; the blank line that ends it is not a field. */
export function splitHeader(header: Buffer): RawField[] {
  const fields: RawField[] = [];
  let pos = 0;
  while (pos < header.length) {
    const lf = header.indexOf(LF, pos);
    const lineEnd = lf < 0 ? header.length : lf + 1;
    const first = header[pos];
    if (first === LF || (first === CR && header[pos + 1] === LF)) break;
    const last = fields[fields.length - 1];
    if ((first === SP || first === HT) && last) {
      last.end = lineEnd;
    } else {
      const named = fieldName(header.subarray(pos, lineEnd));
      fields.push({
        name: named?.name ?? '',
        lower: named ? named.name.toLowerCase() : '',
        start: pos,
        end: lineEnd,
        valueStart: named ? pos + named.valueStart : lineEnd,
      });
    }
    pos = lineEnd;
  }
  return fields;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes to text: UTF-8 when valid, otherwise Latin-1 so every byte still maps to a character. */
export function bytesToText(bytes: Buffer): string {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    text = bytes.toString('latin1');
  }
  // NUL cannot be stored in FerretDB strings.
  return text.includes('\0') ? text.replace(/\0/g, '\ufffd') : text;
}

/**
 * The unfolded value of a field: line breaks removed (RFC 5322 §2.2.3) and the white space
 * after the colon dropped; white space that starts a continuation line or ends the value
 * stays, as Dovecot reports it in ENVELOPE.
 */
export function fieldValue(header: Buffer, field: RawField): string {
  const text = bytesToText(header.subarray(field.valueStart, field.end));
  const lf = text.indexOf('\n');
  const first = (lf < 0 ? text : text.slice(0, lf)).replace(/^[ \t]+/, '');
  return (first + (lf < 0 ? '' : text.slice(lf))).replace(/\r?\n/g, '').replace(/\r/g, '');
}

/** Fields by lower-case name, in order, with their unfolded raw values. */
export interface HeaderIndex {
  fields: { lower: string; value: string }[];
  first(name: string): string | null;
  last(name: string): string | null;
  all(name: string): string[];
  has(name: string): boolean;
}

export function indexHeader(header: Buffer): HeaderIndex {
  const fields = splitHeader(header)
    .filter((f) => f.name !== '')
    .map((f) => ({ lower: f.lower, value: fieldValue(header, f) }));
  return {
    fields,
    first: (name) => fields.find((f) => f.lower === name)?.value ?? null,
    last: (name) => {
      for (let i = fields.length - 1; i >= 0; i--) if (fields[i]!.lower === name) return fields[i]!.value;
      return null;
    },
    has: (name) => fields.some((f) => f.lower === name),
    all: (name) => fields.filter((f) => f.lower === name).map((f) => f.value),
  };
}
