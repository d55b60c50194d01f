// Content-Type / Content-Disposition values: token, parameters (RFC 2045 §5.1, RFC 2183) with
// RFC 2231 continuations merged the way Dovecot reports them in BODYSTRUCTURE.
import libmime from 'libmime';
import { decodeWords } from './decoded-headers.ts';

export interface Param {
  name: string;
  value: string;
}

export interface StructuredValue {
  /** The leading token ("text/plain", "attachment") as written. */
  value: string;
  /** Parameters, names as written (Dovecot keeps their case), values unquoted but otherwise raw. */
  params: Param[];
}

const SPECIALS = new Set([...'()<>@,;:\\"/[]?=']);

class Reader {
  pos = 0;
  constructor(readonly s: string) {}
  skipSpace(): void {
    while (this.pos < this.s.length) {
      const c = this.s[this.pos]!;
      if (c === ' ' || c === '\t' || c === '\r' || c === '\n') this.pos++;
      else if (c === '(') this.skipComment();
      else break;
    }
  }
  // RFC 5322 §3.2.2 comments nest and may hold quoted pairs.
  private skipComment(): void {
    let depth = 0;
    while (this.pos < this.s.length) {
      const c = this.s[this.pos++]!;
      if (c === '\\') this.pos++;
      else if (c === '(') depth++;
      else if (c === ')' && --depth === 0) return;
    }
  }
  token(): string {
    const from = this.pos;
    while (this.pos < this.s.length) {
      const c = this.s[this.pos]!;
      if (c <= ' ' || c === '\x7f' || SPECIALS.has(c)) break;
      this.pos++;
    }
    return this.s.slice(from, this.pos);
  }
  quoted(): string {
    let out = '';
    this.pos++;
    while (this.pos < this.s.length) {
      const c = this.s[this.pos++]!;
      if (c === '"') return out;
      if (c === '\\' && this.pos < this.s.length) out += this.s[this.pos++]!;
      else out += c;
    }
    return out;
  }
  peek(): string | undefined {
    return this.s[this.pos];
  }
}

function readParams(r: Reader): Param[] {
  const plain: Param[] = [];
  const continued = new Map<
    string,
    { name: string; parts: { idx: number; value: string; ext: boolean }[] }
  >();
  while (true) {
    r.skipSpace();
    if (r.peek() !== ';') break;
    r.pos++;
    r.skipSpace();
    const name = r.token();
    r.skipSpace();
    if (!name || r.peek() !== '=') {
      // Skip a broken parameter up to the next separator.
      while (r.pos < r.s.length && r.peek() !== ';') r.pos++;
      continue;
    }
    r.pos++;
    r.skipSpace();
    let value: string;
    if (r.peek() === '"') value = r.quoted();
    else {
      const from = r.pos;
      while (r.pos < r.s.length && !/[;\s]/.test(r.s[r.pos]!)) r.pos++;
      value = r.s.slice(from, r.pos);
    }
    // RFC 2231 §3: name*0, name*1* … are pieces of one value.
    const m = /^([^*]+)\*(\d+)(\*?)$/.exec(name);
    // Continuations of one parameter may differ in case; they merge under the first spelling.
    if (m) {
      const key = m[1]!.toLowerCase();
      const entry = continued.get(key) ?? { name: m[1]!, parts: [] };
      entry.parts.push({ idx: Number(m[2]), value, ext: m[3] === '*' });
      continued.set(key, entry);
    } else {
      plain.push({ name, value });
    }
  }
  for (const entry of continued.values()) {
    entry.parts.sort((a, b) => a.idx - b.idx);
    const ext = entry.parts[0]!.ext;
    plain.push({
      name: ext ? `${entry.name}*` : entry.name,
      value: entry.parts.map((p) => p.value).join(''),
    });
  }
  return plain;
}

/** Parses "type/subtype; params". Returns null when the value has no valid type/subtype. */
export function parseContentType(raw: string): (StructuredValue & { type: string; subtype: string }) | null {
  const r = new Reader(raw);
  r.skipSpace();
  const type = r.token();
  r.skipSpace();
  if (!type || r.peek() !== '/') return null;
  r.pos++;
  r.skipSpace();
  const subtype = r.token();
  if (!subtype) return null;
  return { value: `${type}/${subtype}`, type, subtype, params: readParams(r) };
}

/** Parses "token; params" (Content-Disposition). */
export function parseTokenWithParams(raw: string): StructuredValue | null {
  const r = new Reader(raw);
  r.skipSpace();
  const value = r.token();
  if (!value) return null;
  return { value, params: readParams(r) };
}

/** The first token of a value (Content-Transfer-Encoding). */
export function parseToken(raw: string): string | null {
  const r = new Reader(raw);
  r.skipSpace();
  return r.token() || null;
}

/** A parameter decoded for people: RFC 2231 charsets and RFC 2047 encoded words. */
export function decodedParam(raw: string, name: string): string | null {
  const parsed = libmime.parseHeaderValue(raw);
  const value = parsed.params[name];
  if (typeof value !== 'string' || value === '') return null;
  return decodeWords(value);
}
