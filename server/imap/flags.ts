// flag-list arguments (RFC 3501 §9 flag / flag-keyword); stored spelling is the store's business.
import { ParseError, type Token } from './wire/tokens.ts';

const SYSTEM = new Set(['\\answered', '\\flagged', '\\deleted', '\\seen', '\\draft', '\\recent']);
const KEYWORD = /^[^\s(){%*"\\\]\x00-\x1f\x7f]{1,128}$/;

/** Flags from atoms; `\Recent` cannot be stored (RFC 3501 §2.3.2) and is dropped. */
export function parseFlags(tokens: readonly Token[]): string[] {
  const out: string[] = [];
  for (const t of tokens) {
    if (t.t !== 'atom') throw new ParseError('flags are atoms');
    const lower = t.v.toLowerCase();
    if (t.v.startsWith('\\')) {
      if (!SYSTEM.has(lower)) throw new ParseError(`unknown system flag ${t.v.slice(0, 32)}`);
      if (lower === '\\recent') continue;
    } else if (!KEYWORD.test(t.v)) {
      throw new ParseError('invalid keyword');
    }
    out.push(t.v);
  }
  return out;
}
