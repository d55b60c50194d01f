// The side-by-side bench's final markdown table: one row per figure, Dovecot's first, then each
// Nestbox with its ratio to Dovecot expressed as speed (above 1: Nestbox is faster, or smaller).

export type RowKey =
  | 'lmtp'
  | 'pop3Login'
  | 'pop3Retr'
  | 'select'
  | 'fetchFlags'
  | 'fetchBody'
  | 'search'
  | 'load'
  | 'loadErrors'
  | 'idle'
  | 'largeFill'
  | 'largeSelect1'
  | 'largeSelect2'
  | 'largeFetch'
  | 'largePop3';

/** figure per row, per server label */
export type Results = Map<RowKey, Map<string, number>>;

interface Sizes {
  messages: number;
  large: number;
  clients: number;
  seconds: number;
  /** rounds of LMTP and of the mixed load, whose median is shown */
  rounds: number;
}

export interface Row {
  key: RowKey;
  label: (s: Sizes) => string;
  /** higher: a rate; lower: a time or a size; none: no ratio (a count, or methods that differ) */
  better: 'higher' | 'lower' | 'none';
}

const n = (x: number) => x.toLocaleString('en-US').replace(/,/g, ' ');
const perRounds = (s: Sizes) => (s.rounds > 1 ? `, median of ${s.rounds}` : '');

export const ROWS: Row[] = [
  {
    key: 'lmtp',
    label: (s) => `LMTP delivery of ${n(s.messages)} messages, 1 connection (msg/s${perRounds(s)})`,
    better: 'higher',
  },
  { key: 'pop3Login', label: () => 'POP3 login + UIDL (s)', better: 'lower' },
  { key: 'pop3Retr', label: () => 'POP3 RETR of the whole maildrop (msg/s)', better: 'higher' },
  { key: 'select', label: () => 'IMAP SELECT (s)', better: 'lower' },
  { key: 'fetchFlags', label: () => 'FETCH 1:* (UID FLAGS) (s)', better: 'lower' },
  { key: 'fetchBody', label: () => 'FETCH 1:* BODY.PEEK[] (s)', better: 'lower' },
  { key: 'search', label: () => 'SEARCH TEXT (s)', better: 'lower' },
  {
    key: 'load',
    label: (s) => `${s.clients} IMAP clients, mixed load for ${s.seconds} s (commands/s${perRounds(s)})`,
    better: 'higher',
  },
  { key: 'loadErrors', label: () => 'mixed load: unexpected NO/BAD or failures', better: 'none' },
  { key: 'idle', label: () => 'memory per idle IMAP connection (KB)', better: 'lower' },
  {
    key: 'largeFill',
    label: (s) => `${n(s.large)} messages: fill (s; maildir files vs store add + COPY)`,
    better: 'none',
  },
  { key: 'largeSelect1', label: (s) => `${n(s.large)} messages: first SELECT (s)`, better: 'lower' },
  { key: 'largeSelect2', label: (s) => `${n(s.large)} messages: SELECT again (s)`, better: 'lower' },
  { key: 'largeFetch', label: (s) => `${n(s.large)} messages: UID FETCH 1:* FLAGS (s)`, better: 'lower' },
  { key: 'largePop3', label: (s) => `${n(s.large)} messages: POP3 login + UIDL (s)`, better: 'lower' },
];

/** Three significant digits, without exponent notation. */
export function figure(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '–';
  if (x === 0) return '0';
  const abs = Math.abs(x);
  if (abs >= 100) return n(Math.round(x));
  const digits = Math.min(6, Math.max(0, 2 - Math.floor(Math.log10(abs))));
  return x.toFixed(digits);
}

export function ratio(row: Row, dovecot: number | undefined, nestbox: number | undefined): string {
  if (row.better === 'none' || dovecot === undefined || nestbox === undefined) return '–';
  // a growth measured as none or negative (the garbage collector freed more than the connections
  // took) gives no meaningful ratio
  if (dovecot <= 0 || nestbox <= 0) return '–';
  const r = row.better === 'higher' ? nestbox / dovecot : dovecot / nestbox;
  return Number.isFinite(r) ? figure(r) : '–';
}

export function printTable(rows: Row[], results: Results, labels: string[], sizes: Sizes): void {
  const [dovecot, ...nestboxes] = labels;
  const head = ['work', dovecot!, ...nestboxes.flatMap((l) => [l, 'ratio'])];
  console.log(`| ${head.join(' | ')} |`);
  console.log(`|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
  for (const row of rows) {
    const got = results.get(row.key) ?? new Map<string, number>();
    const d = got.get(dovecot!);
    const cells = [row.label(sizes), figure(d)];
    for (const l of nestboxes) cells.push(figure(got.get(l)), ratio(row, d, got.get(l)));
    console.log(`| ${cells.join(' | ')} |`);
  }
}
