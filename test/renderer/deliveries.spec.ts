import { describe, expect, it } from 'vitest';
import { byDoor, seriesFromCounts } from '../../renderer/src/lib/rate.ts';

describe("the overview's delivery counters", () => {
  it('draws the chart from the per-minute counts the server kept', () => {
    const per = [
      { start: 60_000, lmtp: 1, imap: 0, api: 0, total: 1 },
      { start: 120_000, lmtp: 0, imap: 0, api: 0, total: 0 },
      { start: 180_000, lmtp: 2, imap: 1, api: 1, total: 4 },
    ];
    expect(seriesFromCounts(per)).toEqual({
      starts: [60_000, 120_000, 180_000],
      counts: [1, 0, 4],
      max: 4,
      total: 5,
    });
    expect(seriesFromCounts([])).toEqual({ starts: [], counts: [], max: 0, total: 0 });
  });

  it('names each door with its count', () => {
    expect(byDoor({ lmtp: 3, imap: 1, api: 0 })).toBe('LMTP 3 · IMAP 1 · API 0');
  });
});
