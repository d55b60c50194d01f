// The calendar date a Date: header names, in the sender's own time zone: what SENTBEFORE, SENTON
// and SENTSINCE compare (RFC 3501 §6.4.4 disregards the time and the zone).
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

// RFC 5322 §3.3 date-time, with the obsolete forms of §4.3: `[day-of-week ","] day month year`
const DATE = /^\s*(?:[a-z]+\s*,\s*)?(\d{1,2})\s+([a-z]{3})[a-z]*\.?\s+(\d{2,4})(?![\d])/i;

/** The day the header names as the UTC midnight that starts it (ms), or null when it names none. */
export function sentDay(value: string): number | null {
  const m = DATE.exec(value.replace(/\([^)]*\)/g, ' '));
  if (!m) return null;
  const month = MONTHS.indexOf(m[2]!.toLowerCase());
  if (month < 0) return null;
  let year = Number(m[3]);
  // RFC 5322 §4.3: a two-digit year below 50 is 20xx, else 19xx; three digits add 1900
  if (m[3]!.length === 2) year += year < 50 ? 2000 : 1900;
  else if (m[3]!.length === 3) year += 1900;
  const day = Number(m[1]);
  const t = Date.UTC(year, month, day);
  // 31 Feb and the like name no day
  return new Date(t).getUTCDate() === day ? t : null;
}
