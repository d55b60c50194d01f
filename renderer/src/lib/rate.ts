// Deliveries per minute for the overview chart: counts in one-minute buckets, oldest first.

export interface RateSeries {
  /** Start of each bucket (epoch ms), oldest first. */
  starts: number[];
  counts: number[];
  max: number;
  total: number;
}

export function perMinute(times: readonly number[], now: number, minutes = 30): RateSeries {
  const minute = 60_000;
  const end = Math.floor(now / minute) * minute + minute;
  const start = end - minutes * minute;
  const counts = new Array<number>(minutes).fill(0);
  for (const t of times) {
    if (t < start || t >= end) continue;
    const i = Math.floor((t - start) / minute);
    counts[i] = (counts[i] ?? 0) + 1;
  }
  const starts = counts.map((_, i) => start + i * minute);
  return { starts, counts, max: Math.max(0, ...counts), total: counts.reduce((a, b) => a + b, 0) };
}

/** Keep only the times inside the window, so a long-running page does not grow without bound. */
export function pruneTimes(times: number[], now: number, minutes = 30): number[] {
  const cutoff = now - (minutes + 1) * 60_000;
  return times.filter((t) => t >= cutoff);
}

/** The chart's series from the server's per-minute counts (GET /stats/deliveries), oldest first. */
export function seriesFromCounts(perMinute: ReadonlyArray<{ start: number; total: number }>): RateSeries {
  const starts = perMinute.map((m) => m.start);
  const counts = perMinute.map((m) => m.total);
  return { starts, counts, max: Math.max(0, ...counts), total: counts.reduce((a, b) => a + b, 0) };
}

/** "LMTP 3 · IMAP 1 · API 0": deliveries per door. */
export function byDoor(c: { lmtp: number; imap: number; api: number }): string {
  return `LMTP ${c.lmtp} · IMAP ${c.imap} · API ${c.api}`;
}
