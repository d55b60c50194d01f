// RFC 5322 §3.4 address lists, parsed the way Dovecot's message-address parser reads them, so
// ENVELOPE matches: display names keep their raw words (joined by one space, quoted strings
// unquoted), a trailing comment names a bare addr-spec, groups are kept, a missing mailbox or
// domain is filled with MISSING_MAILBOX / MISSING_DOMAIN, and an address without "@" gets the
// domain SYNTAX_ERROR.

export interface ParsedAddress {
  name: string | null;
  route: string | null;
  mailbox: string;
  domain: string;
}

export interface ParsedGroup {
  group: string;
  members: ParsedAddress[];
}

export type AddressItem = ParsedAddress | ParsedGroup;

const ATOM_SPECIALS = '()<>[]:;@\\,."';

class Cursor {
  pos = 0;
  lastComment: string | null = null;
  constructor(readonly s: string) {}
  get done(): boolean {
    return this.pos >= this.s.length;
  }
  peek(): string {
    return this.s[this.pos] ?? '';
  }
  skipCfws(): void {
    while (!this.done) {
      const c = this.s[this.pos]!;
      if (c === ' ' || c === '\t' || c === '\r' || c === '\n') this.pos++;
      else if (c === '(') this.lastComment = this.comment();
      else break;
    }
  }
  private comment(): string {
    let depth = 0;
    let out = '';
    while (!this.done) {
      const c = this.s[this.pos++]!;
      if (c === '\\' && !this.done) {
        out += this.s[this.pos++]!;
        continue;
      }
      if (c === '(') {
        if (depth++ === 0) continue;
      } else if (c === ')') {
        if (--depth === 0) break;
      }
      out += c;
    }
    return out;
  }
  quoted(): string {
    let out = '';
    this.pos++;
    while (!this.done) {
      const c = this.s[this.pos++]!;
      if (c === '"') break;
      if (c === '\\' && !this.done) out += this.s[this.pos++]!;
      else if (c !== '\r' && c !== '\n') out += c;
    }
    return out;
  }
  atom(extra = ''): string {
    const from = this.pos;
    while (!this.done) {
      const c = this.s[this.pos]!;
      if (c <= ' ' || (ATOM_SPECIALS.includes(c) && !extra.includes(c))) break;
      this.pos++;
    }
    return this.s.slice(from, this.pos);
  }
}

// phrase = 1*word, obs-phrase also allows "." (RFC 5322 §4.1).
function phrase(c: Cursor): string[] {
  const words: string[] = [];
  while (true) {
    c.skipCfws();
    if (c.peek() === '"') words.push(c.quoted());
    else {
      const w = c.atom('.');
      if (!w) break;
      words.push(w);
    }
  }
  return words;
}

function localPart(c: Cursor): string {
  let out = '';
  while (true) {
    c.skipCfws();
    if (c.peek() === '"') out += c.quoted();
    else out += c.atom();
    c.skipCfws();
    if (c.peek() !== '.') break;
    out += '.';
    c.pos++;
  }
  return out;
}

function domain(c: Cursor): string {
  c.skipCfws();
  if (c.peek() === '[') {
    const end = c.s.indexOf(']', c.pos);
    const stop = end < 0 ? c.s.length : end + 1;
    const lit = c.s.slice(c.pos, stop);
    c.pos = stop;
    return lit;
  }
  let out = '';
  while (true) {
    c.skipCfws();
    out += c.atom();
    c.skipCfws();
    if (c.peek() !== '.') break;
    out += '.';
    c.pos++;
  }
  return out;
}

function addrSpec(c: Cursor): { mailbox: string; domain: string } {
  const mailbox = localPart(c);
  c.skipCfws();
  if (c.peek() !== '@') return { mailbox: mailbox || 'MISSING_MAILBOX', domain: 'SYNTAX_ERROR' };
  c.pos++;
  return { mailbox: mailbox || 'MISSING_MAILBOX', domain: domain(c) || 'MISSING_DOMAIN' };
}

// name-addr or addr-spec; returns null when nothing address-like is there.
function mailbox(c: Cursor): ParsedAddress | ParsedGroup | null {
  const start = c.pos;
  c.lastComment = null;
  const words = phrase(c);
  const name = words.length ? words.join(' ') : null;
  c.skipCfws();
  if (c.peek() === '<') {
    c.pos++;
    let route: string | null = null;
    c.skipCfws();
    if (c.peek() === '@') {
      const colon = c.s.indexOf(':', c.pos);
      const close = c.s.indexOf('>', c.pos);
      if (colon >= 0 && (close < 0 || colon < close)) {
        // RFC 5322 §4.4 obs-route: the route is given with its "@"s, as Dovecot gives it
        route = c.s.slice(c.pos, colon).replace(/\s+/g, '');
        c.pos = colon + 1;
      }
    }
    const spec = addrSpec(c);
    c.skipCfws();
    if (c.peek() === '>') c.pos++;
    return { name, route, ...spec };
  }
  if (c.peek() === ':' && name !== null) {
    c.pos++;
    return { group: name, members: [] };
  }
  c.pos = start;
  c.lastComment = null;
  const spec = addrSpec(c);
  c.skipCfws();
  if (c.pos === start) return null;
  return { name: c.lastComment, route: null, ...spec };
}

function skipToSeparator(c: Cursor, inGroup: boolean): void {
  while (!c.done) {
    const ch = c.peek();
    if (ch === ',' || (inGroup && ch === ';')) return;
    if (ch === '"') c.quoted();
    else if (ch === '(') c.skipCfws();
    else c.pos++;
  }
}

export function parseAddressList(value: string): AddressItem[] {
  const c = new Cursor(value);
  const items: AddressItem[] = [];
  let group: ParsedGroup | null = null;
  while (!c.done) {
    c.skipCfws();
    const ch = c.peek();
    if (ch === ',') {
      c.pos++;
      continue;
    }
    if (ch === ';' && group) {
      c.pos++;
      group = null;
      continue;
    }
    if (ch === '') break;
    const before = c.pos;
    const item = mailbox(c);
    if (item && 'group' in item) {
      // Groups do not nest (RFC 5322 §3.4): a new group name closes the open one.
      group = item;
      items.push(item);
      continue;
    }
    if (item) {
      if (group) group.members.push(item);
      else items.push(item);
    }
    skipToSeparator(c, group !== null);
    if (c.pos === before) c.pos++;
  }
  return items;
}
