// THREAD=ORDEREDSUBJECT and THREAD=REFERENCES (RFC 5256 §3), as pure functions over what the
// store knows of each message, and the thread-list response text (RFC 5256 §4).
import { IMAP_THREAD_MAX_DEPTH, IMAP_THREAD_MAX_REFERENCES } from '../../limits.ts';
import { baseSubject, compareCasemap } from './base-subject.ts';

/** One message; `id` is the number reported (message number or UID), ascending `id` being
 * mailbox order. */
export interface ThreadMessage {
  id: number;
  /** Sent date (Date: header, else internal date), ms. */
  date: number;
  subject: string;
  messageId: string | null;
  inReplyTo: string | null;
  references: readonly string[];
}

/** A thread node; `msg` null is a dummy (a message referred to but not in the set). */
export interface ThreadNode {
  msg: ThreadMessage | null;
  children: ThreadNode[];
}

/** RFC 5256 §2.2: sent date, then message number. */
function byDate(a: ThreadMessage, b: ThreadMessage): number {
  return a.date - b.date || a.id - b.id;
}

// ---- ORDEREDSUBJECT ----

/** RFC 5256 §3 ORDEREDSUBJECT: messages grouped by base subject, each group ordered by sent date;
 * the first is the parent of all the others; threads ordered by their first message. */
export function orderedSubject(messages: readonly ThreadMessage[]): ThreadNode[] {
  const sorted = [...messages]
    .map((m) => ({ m, subject: baseSubject(m.subject).base }))
    .sort((a, b) => compareCasemap(a.subject, b.subject) || byDate(a.m, b.m));
  const threads: ThreadNode[] = [];
  let current: ThreadNode | null = null;
  let subject = '';
  for (const { m, subject: s } of sorted) {
    if (current && compareCasemap(s, subject) === 0) {
      current.children.push({ msg: m, children: [] });
      continue;
    }
    current = { msg: m, children: [] };
    subject = s;
    threads.push(current);
  }
  return threads.sort((a, b) => byDate(a.msg!, b.msg!));
}

// ---- REFERENCES ----

interface Container {
  msg: ThreadMessage | null;
  parent: Container | null;
  children: Container[];
}

const VALID_ID = /^<[^<>\s]+>$/;

/** True when linking under `parent` must not be done: `child` is among its ancestors (a loop), or
 * `parent` is already IMAP_THREAD_MAX_DEPTH deep. */
function refused(child: Container, parent: Container): boolean {
  let depth = 0;
  for (let c: Container | null = parent; c; c = c.parent) {
    if (c === child || ++depth >= IMAP_THREAD_MAX_DEPTH) return true;
  }
  return false;
}

function unlink(child: Container): void {
  const p = child.parent;
  if (!p) return;
  p.children.splice(p.children.indexOf(child), 1);
  child.parent = null;
}

function link(parent: Container, child: Container): void {
  child.parent = parent;
  parent.children.push(child);
}

/** The first message of a node: itself, or for a dummy its first child's (after sorting). */
function firstMessage(n: ThreadNode): ThreadMessage | null {
  for (let c: ThreadNode | undefined = n; c; c = c.children[0]) if (c.msg) return c.msg;
  return null;
}

function compareNodes(a: ThreadNode, b: ThreadNode): number {
  const x = firstMessage(a);
  const y = firstMessage(b);
  if (!x || !y) return x ? -1 : y ? 1 : 0;
  return byDate(x, y);
}

function threadSubject(n: ThreadNode): BaseOf {
  const m = n.msg ?? n.children[0]?.msg ?? null;
  return m ? baseSubject(m.subject) : { base: '', reply: false };
}
type BaseOf = ReturnType<typeof baseSubject>;

/** RFC 5256 §3 REFERENCES, steps 1 to 6. */
export function references(messages: readonly ThreadMessage[]): ThreadNode[] {
  // (1) containers by Message ID; a message without a valid one, or with one an earlier message
  // already has, gets a container of its own
  const byId = new Map<string, Container>();
  const own: Container[] = [];
  for (const m of [...messages].sort((a, b) => a.id - b.id)) {
    let c: Container;
    const id = m.messageId !== null && VALID_ID.test(m.messageId) ? m.messageId : null;
    const known = id === null ? undefined : byId.get(id);
    if (id !== null && known && known.msg === null) {
      c = known;
      c.msg = m;
    } else {
      c = { msg: m, parent: null, children: [] };
      if (id !== null && !known) byId.set(id, c);
    }
    own.push(c);
    const container = (ref: string): Container => {
      let r = byId.get(ref);
      if (!r) {
        r = { msg: null, parent: null, children: [] };
        byId.set(ref, r);
      }
      return r;
    };
    let refs = m.references.filter((r) => VALID_ID.test(r));
    if (refs.length === 0 && m.inReplyTo !== null && VALID_ID.test(m.inReplyTo)) refs = [m.inReplyTo];
    refs = refs.filter((r) => r !== id).slice(-IMAP_THREAD_MAX_REFERENCES);
    // (1A) chain the references, keeping existing links and never making a loop
    for (let i = 0; i + 1 < refs.length; i++) {
      const parent = container(refs[i]!);
      const child = container(refs[i + 1]!);
      if (child.parent || refused(child, parent)) continue;
      link(parent, child);
    }
    // (1B) the last reference is the parent, replacing a link from a truncated References
    const last = refs.length ? container(refs[refs.length - 1]!) : null;
    if (last && refused(c, last)) continue;
    unlink(c);
    if (last) link(last, c);
  }
  // (2) the roots: every container without a parent
  const roots = new Set<Container>();
  for (const c of own) {
    let r = c;
    while (r.parent) r = r.parent;
    roots.add(r);
  }
  // (3) prune dummies
  const top: ThreadNode[] = [];
  for (const r of roots) top.push(...prune(r));
  // (4) sort the top level by sent date (a dummy by its first child)
  for (const n of top) n.children.sort(compareNodes);
  top.sort(compareNodes);
  // (5) merge threads with the same base subject
  const table = new Map<string, { node: ThreadNode; reply: boolean }>();
  const key = (s: string) => s.replace(/[a-z]+/g, (t) => t.toUpperCase());
  for (const n of top) {
    const s = threadSubject(n);
    if (s.base === '') continue;
    const k = key(s.base);
    const held = table.get(k);
    if (!held || (held.node.msg !== null && (n.msg === null || (held.reply && !s.reply)))) {
      table.set(k, { node: n, reply: s.reply });
    }
  }
  const merged: ThreadNode[] = [];
  for (const n of top) {
    const s = threadSubject(n);
    const held = s.base === '' ? undefined : table.get(key(s.base));
    if (!held || held.node === n) {
      merged.push(n);
      continue;
    }
    const other = held.node;
    if (other.msg === null && n.msg === null) other.children.push(...n.children);
    else if (other.msg === null || (s.reply && !held.reply)) other.children.push(n);
    else {
      // a new dummy over both takes the table's place: turn `other` into it where it stands
      const moved: ThreadNode = { msg: other.msg, children: other.children };
      other.msg = null;
      other.children = [moved, n];
    }
  }
  // (6) sort every set of siblings by sent date, deepest first
  sortTree(merged);
  return merged;
}

/** RFC 5256 §3 step 3: a dummy without children goes; a dummy with children gives them to its
 * parent, except that at the top only a single child is promoted. Iterative: a tree can be as
 * deep as the mailbox is large. */
function prune(root: Container): ThreadNode[] {
  const done = new Map<Container, ThreadNode[]>();
  const stack: Array<{ c: Container; seen: boolean }> = [{ c: root, seen: false }];
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    if (!top.seen) {
      top.seen = true;
      for (const k of top.c.children) stack.push({ c: k, seen: false });
      continue;
    }
    stack.pop();
    const c = top.c;
    const kids: ThreadNode[] = [];
    for (const k of c.children) {
      kids.push(...done.get(k)!);
      done.delete(k);
    }
    let out: ThreadNode[];
    if (c.msg) out = [{ msg: c.msg, children: kids }];
    else if (kids.length === 0) out = [];
    else if (c !== root || kids.length === 1) out = kids;
    else out = [{ msg: null, children: kids }];
    done.set(c, out);
  }
  return done.get(root)!;
}

function sortTree(list: ThreadNode[]): void {
  // post-order without recursion: children are sorted before their parents' siblings
  const stack: ThreadNode[][] = [list];
  const order: ThreadNode[][] = [];
  while (stack.length) {
    const l = stack.pop()!;
    order.push(l);
    for (const n of l) if (n.children.length) stack.push(n.children);
  }
  for (let i = order.length - 1; i >= 0; i--) order[i]!.sort(compareNodes);
}

/** The THREAD response data (RFC 5256 §4): `(3 6 (4 23)(44 7 96))`; a parent with one child is
 * followed by it, several children are nested lists; a dummy contributes no number. */
export function formatThreads(threads: readonly ThreadNode[]): string {
  // iterative: a thread can be as deep as the mailbox is large
  let out = '';
  const stack: Array<ThreadNode | string> = [];
  for (let i = threads.length - 1; i >= 0; i--) stack.push(')', threads[i]!, '(');
  while (stack.length) {
    const item = stack.pop()!;
    if (typeof item === 'string') {
      out += item;
      continue;
    }
    // a chain of single children is written as numbers in a row
    let n = item;
    const parts: string[] = [];
    if (n.msg) parts.push(String(n.msg.id));
    while (n.msg && n.children.length === 1) {
      n = n.children[0]!;
      if (n.msg) parts.push(String(n.msg.id));
    }
    out += parts.join(' ');
    if (n.children.length) {
      if (parts.length) out += ' ';
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(')', n.children[i]!, '(');
    }
  }
  return out;
}
