// The header fields of a raw message as delivery filters and autoreply rules read them, before
// the message is stored: unfolded fields (RFC 5322 §2.2.3), names lower-cased, values with encoded
// words decoded (RFC 2047) by the one decoder of this module.
import { decodeWords } from './decoded-headers.ts';

export interface HeaderField {
  key: string;
  value: string;
}

export class Headers {
  constructor(readonly fields: HeaderField[]) {}

  all(name: string): string[] {
    const key = name.toLowerCase();
    return this.fields.filter((f) => f.key === key).map((f) => f.value);
  }

  first(name: string): string {
    return this.all(name)[0] ?? '';
  }

  has(name: string): boolean {
    const key = name.toLowerCase();
    return this.fields.some((f) => f.key === key);
  }
}

/** Offset of the first byte after the blank line ending the header block (raw length when none). */
export function headerEnd(raw: Buffer): number {
  if (raw[0] === 0x0a) return 1;
  if (raw[0] === 0x0d && raw[1] === 0x0a) return 2;
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  if (crlf < 0 && lf < 0) return raw.length;
  if (lf < 0 || (crlf >= 0 && crlf < lf)) return crlf + 4;
  return lf + 2;
}

/** The fields of the header block, reading at most `maxBytes` of it. */
export function parseHeaders(raw: Buffer, maxBytes: number): Headers {
  const end = Math.min(headerEnd(raw), maxBytes);
  const lines = raw.subarray(0, end).toString('utf8').split(/\r?\n/);
  const fields: HeaderField[] = [];
  for (const line of lines) {
    if (/^[ \t]/.test(line) && fields.length) {
      fields[fields.length - 1]!.value += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    fields.push({ key: line.slice(0, colon).trim().toLowerCase(), value: line.slice(colon + 1).trim() });
  }
  for (const f of fields) f.value = decodeWords(f.value);
  return new Headers(fields);
}
