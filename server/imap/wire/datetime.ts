// IMAP dates: date-time for APPEND / INTERNALDATE and date for SEARCH (RFC 3501 §9).
import { ParseError } from './tokens.ts';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function month(m: string): number {
  const i = MONTHS.findIndex((x) => x.toLowerCase() === m.toLowerCase());
  if (i < 0) throw new ParseError(`bad month ${JSON.stringify(m)}`);
  return i;
}

/** `"17-Jul-1996 02:44:25 -0700"` (day may be space-padded). */
export function parseDateTime(text: string): Date {
  const m = /^([ \d]?\d)-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(text);
  if (!m) throw new ParseError('bad date-time');
  const [, d, mon, y, hh, mm, ss, sign, zh, zm] = m;
  const offset = (Number(zh) * 60 + Number(zm)) * (sign === '-' ? -1 : 1);
  const utc = Date.UTC(Number(y), month(mon!), Number(d!.trim()), Number(hh), Number(mm), Number(ss));
  const date = new Date(utc - offset * 60000);
  if (Number.isNaN(date.getTime()) || Number(d!.trim()) > 31 || Number(hh) > 23 || Number(mm) > 59) {
    throw new ParseError('bad date-time');
  }
  return date;
}

/** SEARCH date `1-Feb-1994` as the UTC midnight starting that day. */
export function parseDate(text: string): Date {
  const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(text);
  if (!m || Number(m[1]) < 1 || Number(m[1]) > 31) throw new ParseError('bad date');
  return new Date(Date.UTC(Number(m[3]), month(m[2]!), Number(m[1])));
}

/** INTERNALDATE as `"17-Jul-1996 09:44:25 +0000"` (UTC; the zone is not stored). */
export function formatDateTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return (
    `"${p(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000"`
  );
}
