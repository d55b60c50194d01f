// Splits a command (lines + literals) into tokens: atoms, strings (quoted or literal) and
// parenthesised lists. RFC 3501 §9 (formal syntax), RFC 9051 §9.
import type { Segment } from './reader.ts';

export type Token =
  { t: 'atom'; v: string } | { t: 'string'; v: Buffer; literal: boolean } | { t: 'list'; v: Token[] };

/** A syntax error: answered with BAD, the connection goes on. */
export class ParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParseError';
  }
}

const SP = 0x20;
const LPAREN = 0x28;
const RPAREN = 0x29;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

export function tokenize(segments: readonly Segment[]): Token[] {
  const root: Token[] = [];
  const stack: Token[][] = [root];
  const top = () => stack[stack.length - 1]!;
  for (let s = 0; s < segments.length; s++) {
    const seg = segments[s]!;
    if (seg.kind === 'literal') {
      top().push({ t: 'string', v: seg.data, literal: true });
      continue;
    }
    const line = seg.data;
    // a line followed by a literal ends in its `{n}` announcement
    const end = segments[s + 1]?.kind === 'literal' ? line.lastIndexOf(0x7b) : line.length;
    let i = 0;
    while (i < end) {
      const c = line[i]!;
      if (c === SP) {
        i++;
      } else if (c === LPAREN) {
        const list: Token[] = [];
        top().push({ t: 'list', v: list });
        stack.push(list);
        i++;
      } else if (c === RPAREN) {
        if (stack.length === 1) throw new ParseError('unexpected )');
        stack.pop();
        i++;
      } else if (c === DQUOTE) {
        const out: number[] = [];
        i++;
        for (;;) {
          if (i >= end) throw new ParseError('unterminated quoted string');
          const q = line[i]!;
          if (q === DQUOTE) break;
          if (q === BACKSLASH) {
            const n = line[i + 1];
            // RFC 3501 §9: only \" and \\ are quoted-specials
            if (n !== DQUOTE && n !== BACKSLASH) throw new ParseError('bad escape in quoted string');
            out.push(n);
            i += 2;
            continue;
          }
          if (q === 13 || q === 10) throw new ParseError('CR or LF in quoted string');
          out.push(q);
          i++;
        }
        i++;
        top().push({ t: 'string', v: Buffer.from(out), literal: false });
      } else {
        // an atom; `[...]` inside it (BODY[HEADER.FIELDS (A B)]) may hold spaces and parentheses
        const start = i;
        let depth = 0;
        while (i < end) {
          const a = line[i]!;
          if (a === LBRACKET) depth++;
          else if (a === RBRACKET) depth = Math.max(0, depth - 1);
          else if (depth === 0 && (a === SP || a === LPAREN || a === RPAREN || a === DQUOTE)) break;
          if (a < 0x20 || a === 0x7f) throw new ParseError('control character in atom');
          i++;
        }
        if (depth > 0) throw new ParseError('unterminated [');
        top().push({ t: 'atom', v: line.toString('utf8', start, i) });
      }
    }
  }
  if (stack.length !== 1) throw new ParseError('unterminated (');
  return root;
}
