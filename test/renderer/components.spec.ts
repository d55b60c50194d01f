/// <reference types="svelte" />
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import FeedList from '../../renderer/src/components/FeedList.svelte';
import RateChart from '../../renderer/src/components/RateChart.svelte';
import StorageBar from '../../renderer/src/components/StorageBar.svelte';
import { normalizeEvent } from '../../renderer/src/lib/events.ts';
import { perMinute } from '../../renderer/src/lib/rate.ts';

const GB = 1024 ** 3;

describe('StorageBar', () => {
  it('shows use against the quota and turns to a warning near the limit', () => {
    const { body } = render(StorageBar, { props: { used: 0.5 * GB, allowed: 2 * GB } });
    expect(body).toContain('512 MB of 2 GB (25%)');
    expect(body).toContain('aria-valuenow="25"');
    expect(body).toContain('width: 25%');
    expect(body).not.toMatch(/class="bar[^"]*warn/);
    const near = render(StorageBar, { props: { used: 1.8 * GB, allowed: 2 * GB } }).body;
    expect(near).toMatch(/class="bar[^"]*warn/);
    const full = render(StorageBar, { props: { used: 2 * GB, allowed: 2 * GB } }).body;
    expect(full).toMatch(/class="bar[^"]*full/);
  });

  it('says unlimited without a quota', () => {
    expect(render(StorageBar, { props: { used: 1024 } }).body).toContain('1 KB of unlimited');
  });
});

describe('FeedList', () => {
  it('lists newest first and shows the empty text', () => {
    const entries = [
      normalizeEvent('journal', { command: 'EXISTS', uid: 1, mailbox: 'INBOX', username: 'alice' }, 1),
      normalizeEvent('journal', { command: 'EXPUNGE', uid: 2, mailbox: 'Trash', username: 'bob' }, 2),
    ];
    const { body } = render(FeedList, { props: { entries, empty: 'Nothing yet' } });
    expect(body.indexOf('Message 2 removed in Trash')).toBeLessThan(
      body.indexOf('New message (UID 1) in INBOX'),
    );
    expect(body).toContain('alice');
    expect(render(FeedList, { props: { entries: [], empty: 'Nothing yet' } }).body).toContain('Nothing yet');
  });
});

describe('RateChart', () => {
  it('draws one bar per minute with an accessible summary', () => {
    const now = Date.now();
    const { body } = render(RateChart, { props: { series: perMinute([now, now, now - 60_000], now, 10) } });
    expect(body.match(/<rect/g)).toHaveLength(10);
    expect(body).toContain('last 10 minutes: 3 in total');
    expect(body).toContain('max 2/min');
  });
});
