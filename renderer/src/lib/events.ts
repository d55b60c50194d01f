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

/**
 * `type` is the SSE event name ('message' when the server sends none); `data` the parsed JSON.
 * Journal entries carry `command`, log entries `level` + `msg`, auth events an `action`/`result`.
 */
export function normalizeEvent(type: string, data: unknown, seq: number, now = Date.now()): FeedEntry {
  const raw: Record<string, unknown> =
    data && typeof data === 'object' && !Array.isArray(data)
      ? (data as Record<string, unknown>)
      : { msg: String(data) };
  const declared = str(raw.type) ?? (type === 'message' ? undefined : type);
  const time = timeOf(raw.time ?? raw.created ?? raw.timestamp, now);
  const account = str(raw.username) ?? str(raw.user) ?? str(raw.account) ?? str(raw.address);
  const mailbox = str(raw.mailboxPath) ?? str(raw.path) ?? str(raw.mailbox);
  const command = str(raw.command)?.toUpperCase();

  if (declared === 'log' || (!command && declared !== 'auth' && raw.level !== undefined && 'msg' in raw)) {
    return {
      seq,
      time,
      kind: 'log',
      level: levelOf(raw.level) ?? 'info',
      account,
      text: str(raw.msg) ?? '',
      raw,
    };
  }
  if (
    declared === 'auth' ||
    /^auth/.test(str(raw.action) ?? '') ||
    (raw.result !== undefined && raw.protocol)
  ) {
    const result =
      str(raw.result) ?? (raw.success === false ? 'fail' : raw.success === true ? 'success' : '');
    const via = [str(raw.protocol), str(raw.ip ?? raw.remoteAddress)].filter(Boolean).join(' from ');
    const text = `Sign-in ${result || 'attempt'}${account ? ` for ${account}` : ''}${via ? ` (${via})` : ''}`;
    return {
      seq,
      time,
      kind: 'auth',
      level: result === 'fail' ? 'warn' : 'info',
      account,
      mailbox,
      text,
      raw,
    };
  }
  if (command) {
    const kind: EntryKind =
      command === 'EXISTS'
        ? 'delivery'
        : command === 'EXPUNGE'
          ? 'expunge'
          : command === 'FETCH'
            ? 'flags'
            : 'mailbox';
    const uid = str(raw.uid);
    const where = mailbox ? ` in ${mailbox}` : '';
    const text =
      kind === 'delivery'
        ? `New message${uid ? ` (UID ${uid})` : ''}${where}`
        : kind === 'expunge'
          ? `Message${uid ? ` ${uid}` : ''} removed${where}`
          : kind === 'flags'
            ? `Flags of message${uid ? ` ${uid}` : ''} changed${where}${Array.isArray(raw.flags) ? `: ${raw.flags.join(' ') || '(none)'}` : ''}`
            : `${command}${where}`;
    return { seq, time, kind, account, mailbox, text, raw };
  }
  return {
    seq,
    time,
    kind: 'other',
    account,
    mailbox,
    text: str(raw.msg) ?? str(raw.message) ?? JSON.stringify(raw),
    raw,
  };
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
    const names = [entry.account, entry.raw.user, entry.raw.username, entry.raw.address]
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
