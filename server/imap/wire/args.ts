// A cursor over a command's argument tokens with the RFC 3501 §9 argument shapes.
import { ParseError, type Token } from './tokens.ts';

export class Args {
  private i = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  get done(): boolean {
    return this.i >= this.tokens.length;
  }

  peek(): Token | undefined {
    return this.tokens[this.i];
  }

  next(what: string): Token {
    const t = this.tokens[this.i++];
    if (!t) throw new ParseError(`missing ${what}`);
    return t;
  }

  /** Whatever is left, as tokens (for parsers that walk them themselves). */
  rest(): Token[] {
    const out = this.tokens.slice(this.i);
    this.i = this.tokens.length;
    return out;
  }

  atom(what: string): string {
    const t = this.next(what);
    if (t.t !== 'atom') throw new ParseError(`${what} must be an atom`);
    return t.v;
  }

  /** astring (RFC 3501 §9): atom, quoted string or literal, as bytes. */
  astringBytes(what: string): Buffer {
    const t = this.next(what);
    if (t.t === 'atom') return Buffer.from(t.v, 'utf8');
    if (t.t === 'string') return t.v;
    throw new ParseError(`${what} must be a string`);
  }

  astring(what: string): string {
    return this.astringBytes(what).toString('utf8');
  }

  /** nstring: NIL or a string. */
  nstring(what: string): string | null {
    const t = this.next(what);
    if (t.t === 'atom' && t.v.toUpperCase() === 'NIL') return null;
    if (t.t === 'string') return t.v.toString('utf8');
    throw new ParseError(`${what} must be a string or NIL`);
  }

  list(what: string): Token[] {
    const t = this.next(what);
    if (t.t !== 'list') throw new ParseError(`${what} must be a parenthesised list`);
    return t.v;
  }

  end(): void {
    if (!this.done) throw new ParseError('unexpected extra arguments');
  }
}
