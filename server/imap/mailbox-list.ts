// LIST / LSUB matching (RFC 3501 §6.3.8-9): reference + pattern with `*` and `%`, implied parents
// as \Noselect, CHILDREN attributes (RFC 3348) and special-use attributes (RFC 6154).
import { DELIMITER, type MailboxInfo } from '../store/index.ts';
import { decodeMutf7 } from './protocol/mutf7.ts';

export interface ListEntry {
  path: string;
  attributes: string[];
}

/** The pattern (after the reference) as a predicate over decoded paths. */
export function matcher(reference: string, pattern: string): (path: string) => boolean {
  let full = decodeMutf7(reference) + decodeMutf7(pattern);
  // INBOX is case-insensitive, also as the first level of a pattern (RFC 3501 §5.1)
  if (/^inbox(?=$|\/)/i.test(full)) full = 'INBOX' + full.slice(5);
  return (path) => wildcardMatch(full, path, DELIMITER);
}

function ancestors(path: string): string[] {
  const parts = path.split(DELIMITER);
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join(DELIMITER));
  return out;
}

export function listEntries(boxes: readonly MailboxInfo[], match: (path: string) => boolean): ListEntry[] {
  const real = new Map(boxes.map((b) => [b.path, b]));
  const all = new Set<string>(real.keys());
  for (const b of boxes) for (const a of ancestors(b.path)) all.add(a);
  const withChildren = new Set<string>();
  for (const p of all) for (const a of ancestors(p)) withChildren.add(a);
  const out: ListEntry[] = [];
  for (const path of [...all].sort()) {
    if (!match(path)) continue;
    const box = real.get(path);
    const attributes = [withChildren.has(path) ? '\\HasChildren' : '\\HasNoChildren'];
    if (!box) attributes.push('\\Noselect');
    else if (box.specialUse && box.specialUse !== '\\Inbox') attributes.push(box.specialUse);
    out.push({ path, attributes });
  }
  return out;
}

/** LSUB (RFC 3501 §6.3.9): subscribed names, a name whose mailbox is gone as \Noselect; with `%`
 * last, a matching unsubscribed parent of a subscribed name is listed as \Noselect too. */
export function lsubEntries(
  subscribed: ReadonlyArray<{ path: string; exists: boolean }>,
  match: (path: string) => boolean,
  percentLast: boolean,
): ListEntry[] {
  const names = new Set(subscribed.map((s) => s.path));
  const out = new Map<string, ListEntry>();
  for (const { path, exists } of subscribed) {
    if (match(path)) out.set(path, { path, attributes: exists ? [] : ['\\Noselect'] });
  }
  if (percentLast) {
    for (const path of names) {
      for (const a of ancestors(path)) {
        if (!names.has(a) && match(a) && !out.has(a)) out.set(a, { path: a, attributes: ['\\Noselect'] });
      }
    }
  }
  return [...out.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Matches `name` against a LIST pattern (RFC 3501 §6.3.8): `*` matches anything, `%` anything but
 * the hierarchy delimiter. Simulates the pattern as a set of positions, so the work is at most
 * name length × pattern length whatever the wildcards: a regular expression backtracks
 * exponentially on patterns such as `*%*%*%…`, which froze the process.
 */
export function wildcardMatch(pattern: string, name: string, delimiter: string): boolean {
  const p = [...pattern];
  let states = new Uint8Array(p.length + 1);
  let next = new Uint8Array(p.length + 1);
  // a wildcard may match nothing: every state reachable through wildcards is live too
  const close = (s: Uint8Array) => {
    for (let i = 0; i < p.length; i++) if (s[i] && (p[i] === '*' || p[i] === '%')) s[i + 1] = 1;
  };
  states[0] = 1;
  close(states);
  for (const c of name) {
    next.fill(0);
    let any = false;
    for (let i = 0; i < p.length; i++) {
      if (!states[i]) continue;
      const t = p[i];
      if (t === '*' || (t === '%' && c !== delimiter)) {
        next[i] = 1; // the wildcard eats this character and may eat more
        any = true;
      } else if (t === c) {
        next[i + 1] = 1;
        any = true;
      }
    }
    if (!any) return false;
    close(next);
    [states, next] = [next, states];
  }
  return states[p.length] === 1;
}
