// FETCH data items (RFC 3501 §6.4.5, RFC 9051 §6.4.5): macros, simple items and
// BODY[section]<partial> in its BODY / BODY.PEEK / RFC822.* spellings.
import { ParseError, type Token } from './tokens.ts';

export interface Section {
  /** Part numbers, e.g. [1, 2] for `1.2`; empty for the whole message. */
  part: number[];
  spec: '' | 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';
  fields: string[];
}

export type FetchItem =
  | { kind: 'FLAGS' | 'UID' | 'INTERNALDATE' | 'RFC822.SIZE' | 'ENVELOPE' | 'BODY' | 'BODYSTRUCTURE' }
  | {
      kind: 'section';
      /** Name in the response: `BODY[…]`, `RFC822`, `RFC822.HEADER`, `RFC822.TEXT`. */
      label: string;
      /** Sets \Seen (RFC 3501 §6.4.5: BODY[…] and RFC822 / RFC822.TEXT, not .PEEK / RFC822.HEADER). */
      setsSeen: boolean;
      section: Section;
      partial: { start: number; length: number } | null;
    };

const MACROS: Record<string, string[]> = {
  ALL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
  FAST: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
  FULL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'],
};

const SIMPLE = new Set(['FLAGS', 'UID', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY', 'BODYSTRUCTURE']);

const SECTION_ATOM = /^(BODY|BODY\.PEEK)\[([^\]]*)\](?:<(\d{1,10})\.(\d{1,10})>)?$/i;

export function parseSection(text: string): Section {
  let part: number[] = [];
  let rest = text;
  const pm = /^([1-9]\d{0,5}(?:\.[1-9]\d{0,5})*)(?:\.|$)/.exec(text);
  if (pm) {
    part = pm[1]!.split('.').map(Number);
    rest = text.slice(pm[0].length);
    if (pm[0].endsWith('.') && rest === '') throw new ParseError('bad section');
  }
  let fields: string[] = [];
  const sp = rest.indexOf(' ');
  let list = '';
  if (sp >= 0) {
    list = rest.slice(sp + 1);
    rest = rest.slice(0, sp);
  }
  const spec = rest.toUpperCase();
  if (spec === 'HEADER.FIELDS' || spec === 'HEADER.FIELDS.NOT') {
    const lm = /^\((.*)\)$/s.exec(list);
    if (!lm) throw new ParseError('HEADER.FIELDS needs a list of field names');
    fields = (lm[1]!.match(/"(?:[^"\\]|\\.)*"|[^\s"]+/g) ?? []).map((f) =>
      f.startsWith('"') ? f.slice(1, -1).replace(/\\(.)/g, '$1') : f,
    );
    if (fields.length === 0) throw new ParseError('HEADER.FIELDS needs at least one field name');
    if (fields.some((f) => !/^[\x21-\x39\x3b-\x7e]+$/.test(f))) throw new ParseError('bad header field name');
  } else if (list) {
    throw new ParseError('bad section');
  }
  if (!['', 'HEADER', 'HEADER.FIELDS', 'HEADER.FIELDS.NOT', 'TEXT', 'MIME'].includes(spec)) {
    throw new ParseError(`bad section ${JSON.stringify(text)}`);
  }
  // RFC 3501 §6.4.5: MIME only for a numbered part
  if (spec === 'MIME' && part.length === 0) throw new ParseError('MIME needs a part number');
  return { part, spec: spec as Section['spec'], fields };
}

export function sectionText(s: Section): string {
  const parts = s.part.join('.');
  const spec = s.spec + (s.fields.length ? ` (${s.fields.join(' ')})` : '');
  return parts && spec ? `${parts}.${spec}` : parts || spec;
}

function itemOf(atom: string): FetchItem {
  const upper = atom.toUpperCase();
  if (SIMPLE.has(upper)) return { kind: upper as 'FLAGS' };
  const none = { part: [], spec: '', fields: [] } as Section;
  if (upper === 'RFC822')
    return { kind: 'section', label: 'RFC822', setsSeen: true, section: none, partial: null };
  if (upper === 'RFC822.HEADER') {
    return {
      kind: 'section',
      label: 'RFC822.HEADER',
      setsSeen: false,
      section: { ...none, spec: 'HEADER' },
      partial: null,
    };
  }
  if (upper === 'RFC822.TEXT') {
    return {
      kind: 'section',
      label: 'RFC822.TEXT',
      setsSeen: true,
      section: { ...none, spec: 'TEXT' },
      partial: null,
    };
  }
  const m = SECTION_ATOM.exec(atom);
  if (!m) throw new ParseError(`unknown FETCH item ${JSON.stringify(atom.slice(0, 40))}`);
  const section = parseSection(m[2]!);
  let partial: { start: number; length: number } | null = null;
  if (m[3] !== undefined) {
    const length = Number(m[4]);
    // RFC 3501 §9: the length is a nz-number
    if (length === 0) throw new ParseError('partial length must not be 0');
    partial = { start: Number(m[3]), length };
  }
  return {
    kind: 'section',
    label: `BODY[${sectionText(section)}]`,
    setsSeen: m[1]!.toUpperCase() === 'BODY',
    section,
    partial,
  };
}

/** The FETCH argument after the sequence set: a macro, one item, or a parenthesised list. */
export function parseFetchItems(t: Token): FetchItem[] {
  if (t.t === 'atom') {
    const macro = MACROS[t.v.toUpperCase()];
    if (macro) return macro.map(itemOf);
    return [itemOf(t.v)];
  }
  if (t.t === 'list') {
    if (t.v.length === 0) throw new ParseError('empty FETCH item list');
    return t.v.map((x) => {
      if (x.t !== 'atom') throw new ParseError('bad FETCH item');
      return itemOf(x.v);
    });
  }
  throw new ParseError('bad FETCH items');
}
