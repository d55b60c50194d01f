// What may legitimately differ between two IMAP servers' answers to the same commands, taken out
// of a transcript before the comparison (the list is in test/imap/differential.test.ts).

/** Reads one value at `i` (atom, quoted string, literal, parenthesised list); returns its end. */
function valueEnd(s: string, i: number): number {
  const c = s[i];
  if (c === '"') {
    for (i++; i < s.length && s[i] !== '"'; i++) if (s[i] === '\\') i++;
    return i + 1;
  }
  const literal = /^~?\{(\d+)\+?\}\r\n/.exec(s.slice(i, i + 24));
  if (literal) return i + literal[0].length + Number(literal[1]);
  if (c === '(') {
    i++;
    while (i < s.length && s[i] !== ')') {
      if (s[i] === ' ') i++;
      else i = valueEnd(s, i);
    }
    return i + 1;
  }
  while (i < s.length && !' ()'.includes(s[i]!)) {
    // a section spec: BODY[HEADER.FIELDS (A B)]<0.10>
    if (s[i] === '[') i = s.indexOf(']', i);
    i++;
  }
  return i;
}

/** The items of `* n FETCH (…)` in name order; RFC 3501 §7.4.2 does not order them. */
export function sortFetchItems(response: string): string {
  const m = /^\* \d+ FETCH \(/.exec(response);
  if (!m || !response.endsWith(')')) return response;
  const body = response.slice(m[0].length, -1);
  const items: string[] = [];
  let i = 0;
  while (i < body.length) {
    const nameEnd = valueEnd(body, i);
    const end = valueEnd(body, nameEnd + 1);
    items.push(body.slice(i, end));
    i = end + 1;
  }
  return `${m[0]}${items.sort().join(' ')})`;
}

/** Drops the human-readable text after a status and its response code (RFC 3501 §7.1). */
function statusCodeOnly(line: string): string {
  if (line.startsWith('+')) return '+';
  const m = /^(\S+ (?:OK|NO|BAD|BYE|PREAUTH))( \[[^\]]*\])?/i.exec(line);
  if (m) return `${m[1]}${m[2] ?? ''}`;
  return line;
}

/** A quoted mailbox name that could be an atom, as the atom (RFC 3501 §4.3: one astring). */
function unquoteMailbox(s: string): string {
  const atom = (q: string) => (/^"[^\x00-\x20"\\(){%*\]]+"$/.test(q) ? q.slice(1, -1) : q);
  const list = /^(\* (?:LIST|LSUB) \([^)]*\) (?:NIL|"[^"]*") )("(?:[^"\\]|\\.)*")(.*)$/.exec(s);
  if (list) return `${list[1]}${atom(list[2]!)}${list[3]}`;
  const status = /^(\* STATUS )("(?:[^"\\]|\\.)*")(.*)$/.exec(s);
  if (status) return `${status[1]}${atom(status[2]!)}${status[3]}`;
  return s;
}

/** LIST without \Marked and \Unmarked: RFC 3501 §7.2.2 makes them optional. */
function unmarked(s: string): string {
  if (!/^\* (LIST|LSUB) /.test(s)) return s;
  return s.replace(/^(\* \w+ \()([^)]*)\)/, (_, head: string, attrs: string) => {
    const kept = attrs.split(' ').filter((a) => a && !/^\\(Marked|Unmarked)$/i.test(a));
    return `${head}${kept.join(' ')})`;
  });
}

/** Flags in a FLAGS list in name order: a message's flags are a set (RFC 3501 §2.3.2). */
function sortFlags(s: string): string {
  return s.replace(
    /\bFLAGS \(([^)]*)\)/g,
    (_, list: string) => `FLAGS (${list.split(' ').filter(Boolean).sort().join(' ')})`,
  );
}

/** One server response, normalised. */
export function normaliseResponse(line: string): string {
  let s = statusCodeOnly(line);
  s = s.replace(/^\* CAPABILITY .*/i, '* CAPABILITY …').replace(/\[CAPABILITY [^\]]*\]/i, '[CAPABILITY …]');
  s = s.replace(/^\* ID .*/i, '* ID …');
  s = s.replace(/\b(UIDVALIDITY|APPENDUID|COPYUID) \d+/gi, '$1 <uidvalidity>');
  s = s.replace(/INTERNALDATE "[^"]*"/gi, 'INTERNALDATE "<date>"');
  return sortFlags(sortFetchItems(unmarked(unquoteMailbox(s))));
}

/**
 * A run of EXPUNGE responses as the messages it removes, highest number first (RFC 3501 §7.4.1
 * lets a server report them in either order), and a RECENT right after it dropped (§7.3.2 leaves
 * open whether a mailbox that shrank repeats it; after VANISHED, RFC 7162 §3.2.10, likewise).
 */
export function canonicalExpunges(lines: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length;) {
    if (/^S: \* VANISHED \d/.test(lines[i]!)) {
      out.push(lines[i++]!);
      if (/^S: \* \d+ RECENT$/.test(lines[i] ?? '')) i++;
      continue;
    }
    if (!/^S: \* \d+ EXPUNGE$/.test(lines[i]!)) {
      out.push(lines[i++]!);
      continue;
    }
    const removed: number[] = [];
    for (; i < lines.length && /^S: \* \d+ EXPUNGE$/.test(lines[i]!); i++) {
      let n = Number(lines[i]!.split(' ')[2]);
      for (const r of [...removed].sort((a, b) => a - b)) if (r <= n) n++;
      removed.push(n);
    }
    for (const n of removed.sort((a, b) => b - a)) out.push(`S: * ${n} EXPUNGE`);
    if (/^S: \* \d+ RECENT$/.test(lines[i] ?? '')) i++;
  }
  return out;
}

const MODSEQ_VALUE = /\b(HIGHESTMODSEQ |MODSEQ \(|MODSEQ )(\d+)/gi;

/**
 * Every MODSEQ value in the transcript becomes its rank among the values seen (`<m1>` the
 * lowest): RFC 7162 only makes them grow, so only their order can be compared.
 */
export function rankModseqs(lines: string[]): string[] {
  const values = new Set<bigint>();
  for (const l of lines)
    if (l.startsWith('S: ')) for (const m of l.matchAll(MODSEQ_VALUE)) values.add(BigInt(m[2]!));
  const ranked = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const rank = new Map(ranked.map((v, i) => [v, `<m${i + 1}>`]));
  return lines.map((l) =>
    l.startsWith('S: ')
      ? l.replace(MODSEQ_VALUE, (_, k: string, v: string) => `${k}${rank.get(BigInt(v))}`)
      : l,
  );
}

/**
 * Runs of `* LIST` / `* LSUB` lines in name order, each LIST-STATUS `* STATUS` kept behind its
 * LIST (RFC 5819 §2): RFC 3501 §6.3.8 leaves the order of a LIST's answers to the server.
 */
export function sortListRuns(lines: string[]): string[] {
  const out = [...lines];
  for (let i = 0; i < out.length;) {
    const kind = /^S: \* (LIST|LSUB) /.exec(out[i]!)?.[1];
    if (!kind) {
      i++;
      continue;
    }
    const groups: string[][] = [];
    let j = i;
    for (; j < out.length; j++) {
      if (out[j]!.startsWith(`S: * ${kind} `)) groups.push([out[j]!]);
      else if (out[j]!.startsWith('S: * STATUS ')) groups[groups.length - 1]!.push(out[j]!);
      else break;
    }
    const key = (g: string[]) => g[0]!.replace(/^S: \* \w+ \([^)]*\) (NIL|"(?:[^"\\]|\\.)*") /, '');
    groups.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    out.splice(i, j - i, ...groups.flat());
    i = j;
  }
  return out;
}
