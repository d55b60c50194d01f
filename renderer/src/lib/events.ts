// Entries of the /events stream, normalised: a log line, journal activity or an auth event.

export type EntryKind = 'log' | 'delivery' | 'expunge' | 'flags' | 'mailbox' | 'auth' | 'other';

export const ACTIVITY_KINDS: readonly EntryKind[] = [
  'delivery',
  'expunge',
  'flags',
  'mailbox',
  'auth',
  'other',
];

export const KIND_LABELS: Record<EntryKind, string> = {
  log: 'Log',
  delivery: 'New message',
  expunge: 'Deleted',
  flags: 'Flags changed',
  mailbox: 'Mailbox',
  auth: 'Sign-in',
  other: 'Other',
};

export type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
export const LEVELS: readonly Level[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
const PINO_LEVELS: Record<number, Level> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

export interface FeedEntry {
  seq: number;
  /** Log lines: "POP3 · alice · 192.0.2.7" from the line's protocol, user and client address. */
  context?: string;
  time: number;
  kind: EntryKind;
  level?: Level;
  /** User id or name the entry is about, when it has one. */
  account?: string;
  mailbox?: string;
  text: string;
  raw: Record<string, unknown>;
}

export function levelOf(value: unknown): Level | undefined {
  if (typeof value === 'number') return PINO_LEVELS[Math.round(value / 10) * 10];
  if (typeof value === 'string') {
    const v = value.toLowerCase();
    if ((LEVELS as readonly string[]).includes(v)) return v as Level;
    if (v === 'warning') return 'warn';
  }
  return undefined;
}

export function levelRank(level: Level | undefined): number {
  return level ? LEVELS.indexOf(level) : LEVELS.indexOf('info');
}

function timeOf(value: unknown, fallback: number): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value < 1e12 ? value * 1000 : value;
  if (typeof value === 'string') {
    const t = Date.parse(value);
    if (!Number.isNaN(t)) return t;
  }
  return fallback;
}

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v ? v : typeof v === 'number' ? String(v) : undefined;

/** Auth results as the server reports them ('success' | 'failure' | 'throttled'), and older spellings. */
function authResult(raw: Record<string, unknown>): 'ok' | 'failed' | 'blocked' | undefined {
  const r = str(raw.result)?.toLowerCase();
  if (r === 'success' || r === 'ok' || raw.success === true) return 'ok';
  if (r === 'throttled' || r === 'blocked') return 'blocked';
  if (r === 'failure' || r === 'fail' || r === 'failed' || raw.success === false) return 'failed';
  return undefined;
}

function authEntry(base: Omit<FeedEntry, 'kind' | 'text'>, raw: Record<string, unknown>): FeedEntry {
  // `login` is what was typed (user name or address); `user` is the account id, null when unknown.
  const account = str(raw.login) ?? base.account;
  const via = [str(raw.protocol)?.toUpperCase(), str(raw.ip ?? raw.remoteAddress)]
    .filter(Boolean)
    .join(' from ');
  const who = account ? ` for ${account}` : '';
  const result = authResult(raw);
  const head =
    result === 'ok'
      ? `Signed in${account ? ` as ${account}` : ''}`
      : result === 'failed'
        ? `Sign-in failed${who}`
        : result === 'blocked'
          ? `Sign-in blocked${who} (too many failures)`
          : `Sign-in attempt${who}`;
  const level = result === 'ok' || result === undefined ? 'info' : 'warn';
  return { ...base, kind: 'auth', level, account, text: `${head}${via ? ` (${via})` : ''}`, raw };
}

const MAILBOX_TEXT: Record<string, string> = {
  MAILBOX_CREATE: 'Mailbox created',
  MAILBOX_RENAME: 'Mailbox renamed',
  MAILBOX_DELETE: 'Mailbox deleted',
  COUNTERS: 'Counters updated',
};

function journalEntry(base: Omit<FeedEntry, 'kind' | 'text'>, command: string): FeedEntry {
  const { raw, mailbox } = base;
  const kind: EntryKind =
    command === 'EXISTS'
      ? 'delivery'
      : command === 'EXPUNGE'
        ? 'expunge'
        : command === 'FETCH'
          ? 'flags'
          : 'mailbox';
  const uid = str(raw.uid);
  // One beacon can stand for several journal entries (a COPY of many messages); uid is the last one.
  const count = typeof raw.count === 'number' && raw.count > 1 ? raw.count : 1;
  const where = mailbox ? ` in ${mailbox}` : '';
  const flags = Array.isArray(raw.flags) ? `: ${raw.flags.join(' ') || '(none)'}` : '';
  let text: string;
  const from = str(raw.from);
  const subject = typeof raw.subject === 'string' ? raw.subject : undefined;
  const about = `${from ? ` from ${from}` : ''}${subject !== undefined ? `: “${subject || '(no subject)'}”` : ''}`;
  if (kind === 'delivery')
    text =
      count > 1
        ? `${count} new messages${where}${about && ', the last' + about}`
        : `New message${uid ? ` (UID ${uid})` : ''}${where}${about}`;
  else if (kind === 'expunge')
    text = count > 1 ? `${count} messages removed${where}` : `Message${uid ? ` ${uid}` : ''} removed${where}`;
  else if (kind === 'flags')
    text =
      count > 1
        ? `Flags of ${count} messages changed${where}`
        : `Flags of message${uid ? ` ${uid}` : ''} changed${where}${flags}`;
  else {
    const label = MAILBOX_TEXT[command];
    const path = str(raw.path) ?? mailbox;
    const old = str(raw.oldPath);
    text = label ? `${label}${path ? `: ${old ? `${old} → ` : ''}${path}` : ''}` : `${command}${where}`;
  }
  return { ...base, kind, text };
}

/**
 * `type` is the SSE event name ('message' when the server sends none); `data` the parsed JSON.
 * /events sends `log` (pino lines: numeric `level`, `msg`, epoch-ms `time`), `journal` (a beacon:
 * user id, mailbox id, command, uid, modseq, count, plus `username` and `mailboxPath`, and for
 * EXISTS the last message's `from` and `subject`), `auth`
 * (result, user id or null, login, protocol, ip) and `import` (msg, progress fields).
 */
export function normalizeEvent(type: string, data: unknown, seq: number, now = Date.now()): FeedEntry {
  const raw: Record<string, unknown> =
    data && typeof data === 'object' && !Array.isArray(data)
      ? (data as Record<string, unknown>)
      : { msg: String(data) };
  // The event name wins: a log line may carry a `type` field of its own.
  const declared = type !== 'message' ? type : str(raw.type);
  const time = timeOf(raw.time ?? raw.created ?? raw.timestamp, now);
  const account = str(raw.username) ?? str(raw.user) ?? str(raw.account) ?? str(raw.address);
  const mailbox = str(raw.mailboxPath) ?? str(raw.path) ?? str(raw.mailbox);
  const command = str(raw.command)?.toUpperCase();
  const base = { seq, time, account, mailbox, raw };

  if (declared === 'log' || (!declared && !command && raw.level !== undefined && 'msg' in raw)) {
    return {
      seq,
      time,
      kind: 'log',
      level: levelOf(raw.level) ?? 'info',
      account,
      ...(logContext(raw) ? { context: logContext(raw) } : {}),
      text: str(raw.msg) ?? '',
      raw,
    };
  }
  if (
    declared === 'auth' ||
    /^auth/.test(str(raw.action) ?? '') ||
    (raw.result !== undefined && raw.protocol)
  )
    return authEntry(base, raw);
  if (command) return journalEntry(base, command);
  return {
    ...base,
    kind: 'other',
    text: str(raw.msg) ?? str(raw.message) ?? JSON.stringify(raw),
  };
}

/** Protocol, user and client address of a log line, as far as it has them. */
export function logContext(raw: Record<string, unknown>): string {
  const protocol = str(raw.protocol)?.toUpperCase();
  const user = str(raw.username) ?? str(raw.user) ?? str(raw.login);
  const remote = str(raw.remote) ?? str(raw.ip);
  return [protocol, user, remote].filter(Boolean).join(' · ');
}

/** Whether an entry changes what an account's page shows (its mailboxes, counts and storage). */
export function changesAccount(entry: FeedEntry, userId: string): boolean {
  return entry.kind !== 'log' && entry.kind !== 'auth' && entry.raw.user === userId;
}

export interface FeedFilter {
  /** Matches the account (id, username or address), case-insensitive substring. */
  account?: string;
  kinds?: ReadonlySet<EntryKind>;
  /** Lowest level shown (log entries). */
  minLevel?: Level;
  /** Free text over the message and the raw fields. */
  text?: string;
}

export function matchesFilter(entry: FeedEntry, filter: FeedFilter): boolean {
  if (filter.kinds && !filter.kinds.has(entry.kind)) return false;
  if (filter.minLevel && levelRank(entry.level) < levelRank(filter.minLevel)) return false;
  const account = filter.account?.trim().toLowerCase();
  if (account) {
    const names = [entry.account, entry.raw.user, entry.raw.username, entry.raw.login, entry.raw.address]
      .filter((v) => v !== undefined && v !== null)
      .map((v) => String(v).toLowerCase());
    if (!names.some((n) => n.includes(account))) return false;
  }
  const text = filter.text?.trim().toLowerCase();
  if (
    text &&
    !entry.text.toLowerCase().includes(text) &&
    !JSON.stringify(entry.raw).toLowerCase().includes(text)
  )
    return false;
  return true;
}

export function filterEntries(entries: readonly FeedEntry[], filter: FeedFilter): FeedEntry[] {
  return entries.filter((e) => matchesFilter(e, filter));
}
