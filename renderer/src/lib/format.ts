// Formatting for people: sizes, durations, counts, times.

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

/** 1536 → "1.5 KB" (binary multiples, the way mail clients and quotas count). */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  const text = value.toFixed(digits);
  return `${digits ? text.replace(/\.?0+$/, '') : text} ${UNITS[unit]}`;
}

/** "2 GB", "500mb", "1.5 G", "1048576" → bytes; undefined when it does not parse. */
export function parseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$/i.exec(text);
  if (!m) return undefined;
  const power = ['', 'k', 'm', 'g', 't'].indexOf((m[2] ?? '').toLowerCase());
  return Math.round(Number(m[1]) * 1024 ** power);
}

/** Seconds → "3d 4h", "2h 5m", "4m 10s", "12s". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  let s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m ${s}s`;
  return `${s}s`;
}

export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return n.toLocaleString('en-US');
}

/** Share of the quota used, 0–100; 0 when there is no limit. */
export function quotaPercent(used: number | undefined, allowed: number | undefined): number {
  if (!allowed || allowed <= 0 || !used) return 0;
  return Math.min(100, Math.max(0, (used / allowed) * 100));
}

/** "14:03:27" for today's entries, else "2026-11-27 14:03". */
export function formatTime(time: number, now: number = Date.now()): string {
  const d = new Date(time);
  const pad = (n: number) => String(n).padStart(2, '0');
  const clock = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  if (new Date(now).toDateString() === d.toDateString()) return clock;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock.slice(0, 5)}`;
}

/** How a service's TLS is described to a person setting up a mail client. */
export function tlsLabel(name: string, tls: boolean | string | undefined): string {
  if (tls === true || tls === 'implicit' || tls === 'tls' || tls === 'ssl') return 'SSL/TLS';
  if (tls === 'starttls') return 'STARTTLS';
  // The plain IMAP and POP3 ports offer STARTTLS/STLS even when the listener itself is not TLS.
  if ((tls === false || tls === undefined) && /^(imap|pop3)$/.test(name)) return 'STARTTLS';
  return 'None';
}
