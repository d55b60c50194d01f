// Decides what happens to a message for one recipient: the user's filters in order (every match
// adds its actions, later ones win per action, forward targets add up), then the spam verdict of
// an upstream filter (SpamAssassin's X-Spam-Flag / X-Spam-Status) unless a filter said otherwise.
import { messageContent } from '../mime/index.ts';
import type { FilterInfo, FilterQuery } from '../store/filters.ts';
import type { Headers } from '../mime/header-fields.ts';

export interface Decision {
  discard: boolean;
  spam: boolean;
  /** Mailbox id chosen by a filter. */
  mailbox: string | null;
  flags: string[];
  /** Forward copies to these addresses. */
  targets: string[];
  /** Names of the filters that matched, for the log. */
  matched: string[];
}

/**
 * The message as filters see it; the body is read only when a filter asks about it, by the MIME
 * module, so a filter on text or attachments sees what SEARCH BODY and the API see of the stored
 * message (docs/ARCHITECTURE.md §5).
 */
export class Candidate {
  private content: { text: string; attachments: boolean } | undefined;
  constructor(
    readonly raw: Buffer,
    readonly headers: Headers,
  ) {}

  get size(): number {
    return this.raw.length;
  }

  /** The body text (lower-cased) and whether the message has attachments. */
  body(): { text: string; attachments: boolean } {
    if (!this.content) {
      const c = messageContent(this.raw);
      this.content = { text: c.text.toLowerCase(), attachments: c.hasAttachments };
    }
    return this.content;
  }
}

const contains = (values: string[], needle: string) => {
  const n = needle.toLowerCase();
  return values.some((v) => v.toLowerCase().includes(n));
};

export async function matches(q: FilterQuery, m: Candidate): Promise<boolean> {
  const h = m.headers;
  if (q.from !== undefined && !contains(h.all('from'), q.from)) return false;
  if (q.to !== undefined && !contains([...h.all('to'), ...h.all('cc')], q.to)) return false;
  if (q.subject !== undefined && !contains(h.all('subject'), q.subject)) return false;
  if (q.listId !== undefined && !contains(h.all('list-id'), q.listId)) return false;
  if (q.size !== undefined && q.size !== 0) {
    if (q.size > 0 && !(m.size > q.size)) return false;
    if (q.size < 0 && !(m.size < -q.size)) return false;
  }
  if (q.text !== undefined && !m.body().text.includes(q.text.toLowerCase())) return false;
  if (q.ha !== undefined && m.body().attachments !== q.ha) return false;
  return true;
}

/** SpamAssassin-style verdict headers set by the MTA's content filter. */
export function hasSpamVerdict(h: Headers): boolean {
  return (
    h.all('x-spam-flag').some((v) => /^yes\b/i.test(v)) ||
    h.all('x-spam-status').some((v) => /^yes\b/i.test(v))
  );
}

export async function decide(filters: readonly FilterInfo[], m: Candidate): Promise<Decision> {
  const d: Decision = { discard: false, spam: false, mailbox: null, flags: [], targets: [], matched: [] };
  let spam: boolean | undefined;
  let seen = false;
  let flag = false;
  for (const f of filters) {
    if (f.disabled || !(await matches(f.query, m))) continue;
    d.matched.push(f.name || f.id);
    const a = f.action;
    if (a.seen !== undefined) seen = a.seen;
    if (a.flag !== undefined) flag = a.flag;
    if (a.delete !== undefined) d.discard = a.delete;
    if (a.spam !== undefined) spam = a.spam;
    if (a.mailbox !== undefined) d.mailbox = a.mailbox;
    for (const t of a.targets ?? [])
      if (!d.targets.includes(t.toLowerCase())) d.targets.push(t.toLowerCase());
  }
  d.spam = spam ?? (d.mailbox === null && hasSpamVerdict(m.headers));
  if (seen) d.flags.push('\\Seen');
  if (flag) d.flags.push('\\Flagged');
  return d;
}
