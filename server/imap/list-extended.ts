// Extended LIST (RFC 5258): selection options before the reference, one or more patterns, return
// options after them; LIST-STATUS (RFC 5819) and the SPECIAL-USE options (RFC 6154 §3, §4). A LIST
// that uses none of this syntax is answered exactly as RFC 3501 §6.3.8 (mailbox-list.ts).
import { IMAP_MAX_LIST_PATTERNS } from '../limits.ts';
import { DELIMITER, type MailboxInfo } from '../store/index.ts';
import { checkPattern } from './list-command.ts';
import { matcher, type ListEntry } from './mailbox-list.ts';
import { ProtocolError } from './protocol/errors.ts';
import { astring, atom, expectEnd, parseStatusItems, type StatusItem } from './protocol/parse.ts';
import type { Token } from './protocol/reader.ts';

export interface ListRequest {
  reference: string;
  patterns: string[];
  /** Any RFC 5258 syntax was used: the answer follows RFC 5258 (attributes only as asked). */
  extended: boolean;
  select: { subscribed: boolean; specialUse: boolean; recursive: boolean };
  ret: { subscribed: boolean; children: boolean; specialUse: boolean; status: StatusItem[] | null };
}

export interface ExtendedEntry extends ListEntry {
  /** The mailbox, when it exists (LIST-STATUS answers only for those, RFC 5819 §1). */
  box: MailboxInfo | undefined;
  /** RFC 5258 §3.5 CHILDINFO: the selection criteria some descendant meets. */
  childInfo: string[];
}

export function parseListArgs(args: readonly Token[]): ListRequest {
  const req: ListRequest = {
    reference: '',
    patterns: [],
    extended: false,
    select: { subscribed: false, specialUse: false, recursive: false },
    ret: { subscribed: false, children: false, specialUse: false, status: null },
  };
  let i = 0;
  const first = args[0];
  if (first?.kind === 'list') {
    // RFC 5258 §3.1 list-select-opts
    req.extended = true;
    let base = false;
    for (const t of first.items) {
      const opt = atom(t, 'selection option').toUpperCase();
      if (opt === 'SUBSCRIBED') req.select.subscribed = base = true;
      else if (opt === 'SPECIAL-USE') req.select.specialUse = base = true;
      else if (opt === 'RECURSIVEMATCH') req.select.recursive = true;
      else if (opt !== 'REMOTE') throw new ProtocolError(`Unknown selection option: ${opt.slice(0, 40)}`);
      // REMOTE (RFC 2193): there are no remote mailboxes to add
    }
    // RFC 5258 §3.1: RECURSIVEMATCH alone (or with only REMOTE) is an error
    if (req.select.recursive && !base)
      throw new ProtocolError('RECURSIVEMATCH needs another selection option');
    i = 1;
  }
  req.reference = astring(args[i], 'reference');
  const pat = args[i + 1];
  if (pat?.kind === 'list') {
    // RFC 5258 §3 patterns = "(" list-mailbox *(SP list-mailbox) ")"
    req.extended = true;
    if (pat.items.length === 0) throw new ProtocolError('Empty pattern list');
    if (pat.items.length > IMAP_MAX_LIST_PATTERNS)
      throw new ProtocolError(`More than ${IMAP_MAX_LIST_PATTERNS} patterns`);
    req.patterns = pat.items.map((t) => astring(t, 'mailbox pattern'));
  } else {
    req.patterns = [astring(pat, 'mailbox pattern')];
  }
  for (const p of req.patterns) checkPattern(req.reference, p);
  i += 2;
  if (args.length > i) {
    // RFC 5258 §3 list-return-opts = "RETURN" SP "(" [return-option *(SP return-option)] ")"
    if (atom(args[i], 'RETURN').toUpperCase() !== 'RETURN') throw new ProtocolError('Expected RETURN');
    const opts = args[i + 1];
    if (opts?.kind !== 'list') throw new ProtocolError('Missing return options');
    expectEnd(args, i + 2);
    req.extended = true;
    for (let j = 0; j < opts.items.length; j++) {
      const opt = atom(opts.items[j], 'return option').toUpperCase();
      if (opt === 'SUBSCRIBED') req.ret.subscribed = true;
      else if (opt === 'CHILDREN') req.ret.children = true;
      else if (opt === 'SPECIAL-USE') req.ret.specialUse = true;
      else if (opt === 'STATUS') {
        // RFC 5819 §2: STATUS (status-att-list)
        if (req.ret.status) throw new ProtocolError('STATUS given twice');
        req.ret.status = parseStatusItems(opts.items[++j]);
      } else throw new ProtocolError(`Unknown return option: ${opt.slice(0, 40)}`);
    }
  }
  // RFC 5258 §3.1: SUBSCRIBED implies the SUBSCRIBED return option; RFC 6154 §3 likewise
  if (req.select.subscribed) req.ret.subscribed = true;
  if (req.select.specialUse) req.ret.specialUse = true;
  return req;
}

function ancestors(path: string): string[] {
  const parts = path.split(DELIMITER);
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join(DELIMITER));
  return out;
}

/** RFC 6154 §2 attributes; INBOX is not one of them. */
function specialUseOf(box: MailboxInfo | undefined): string | null {
  return box?.specialUse && box.specialUse !== '\\Inbox' ? box.specialUse : null;
}

/** The entries of an extended LIST, sorted by name. */
export function extendedEntries(
  req: ListRequest,
  boxes: readonly MailboxInfo[],
  subscribed: ReadonlySet<string>,
): ExtendedEntry[] {
  const real = new Map(boxes.map((b) => [b.path, b]));
  const withChildren = new Set<string>();
  for (const b of boxes) for (const a of ancestors(b.path)) withChildren.add(a);
  const criteria: Array<[string, (path: string) => boolean]> = [];
  if (req.select.subscribed) criteria.push(['SUBSCRIBED', (p) => subscribed.has(p)]);
  if (req.select.specialUse) criteria.push(['SPECIAL-USE', (p) => specialUseOf(real.get(p)) !== null]);
  const meets = (p: string) => criteria.every(([, f]) => f(p));
  // the names to consider: every mailbox and subscription, and the parents they imply
  const names = new Set<string>(real.keys());
  if (req.select.subscribed) for (const s of subscribed) names.add(s);
  for (const n of [...names]) for (const a of ancestors(n)) names.add(a);
  // RFC 5258 §3.5: names with a descendant that meets the criteria get CHILDINFO
  const parentsOfMatches = new Set<string>();
  if (req.select.recursive) {
    for (const n of names) if (meets(n)) for (const a of ancestors(n)) parentsOfMatches.add(a);
  }
  const matches = req.patterns.map((p) => matcher(req.reference, p));
  const out: ExtendedEntry[] = [];
  for (const path of [...names].sort()) {
    if (!matches.some((m) => m(path))) continue;
    const box = real.get(path);
    const childInfo = parentsOfMatches.has(path) ? criteria.map(([name]) => name) : [];
    const selected = criteria.length ? meets(path) : box !== undefined || withChildren.has(path);
    if (!selected && childInfo.length === 0) continue;
    const attributes: string[] = [];
    if (req.ret.children) attributes.push(withChildren.has(path) ? '\\HasChildren' : '\\HasNoChildren');
    // RFC 5258 §3: \NonExistent implies \Noselect
    if (!box) attributes.push('\\NonExistent');
    if (req.ret.subscribed && subscribed.has(path)) attributes.push('\\Subscribed');
    const use = specialUseOf(box);
    if (use && req.ret.specialUse) attributes.push(use);
    out.push({ path, attributes, box, childInfo });
  }
  return out;
}
