import { describe, expect, it } from 'vitest';
import { filterEntries, levelOf, normalizeEvent, type FeedEntry } from '../../renderer/src/lib/events.ts';

const t = Date.parse('2026-11-28T10:00:00Z');

describe('normalizeEvent', () => {
  it('recognises log entries, with pino or named levels', () => {
    const e = normalizeEvent('message', { time: t, level: 40, msg: 'slow query' }, 1);
    expect(e).toMatchObject({ kind: 'log', level: 'warn', text: 'slow query', time: t });
    expect(
      normalizeEvent('log', { time: '2026-11-28T10:00:00Z', level: 'error', msg: 'x' }, 2),
    ).toMatchObject({
      kind: 'log',
      level: 'error',
      time: t,
    });
    expect(levelOf(30)).toBe('info');
    expect(levelOf('WARNING')).toBe('warn');
  });

  it('maps journal commands to activity kinds', () => {
    const base = { user: 'u1', mailbox: 'mb1', uid: 7 };
    expect(normalizeEvent('message', { ...base, command: 'EXISTS' }, 1)).toMatchObject({
      kind: 'delivery',
      account: 'u1',
      text: 'New message (UID 7) in mb1',
    });
    expect(normalizeEvent('journal', { ...base, command: 'EXPUNGE' }, 2).kind).toBe('expunge');
    expect(normalizeEvent('journal', { ...base, command: 'FETCH', flags: ['\\Seen'] }, 3)).toMatchObject({
      kind: 'flags',
      text: 'Flags of message 7 changed in mb1: \\Seen',
    });
    expect(normalizeEvent('journal', { ...base, command: 'CREATE' }, 4).kind).toBe('mailbox');
  });

  it('recognises auth events', () => {
    const e = normalizeEvent(
      'auth',
      { username: 'alice', result: 'fail', protocol: 'IMAP', ip: '10.0.0.2' },
      1,
    );
    expect(e).toMatchObject({ kind: 'auth', level: 'warn', account: 'alice' });
    expect(e.text).toBe('Sign-in fail for alice (IMAP from 10.0.0.2)');
  });

  it('survives odd payloads', () => {
    expect(normalizeEvent('message', 'plain text', 1, t)).toMatchObject({
      kind: 'other',
      text: 'plain text',
      time: t,
    });
    expect(normalizeEvent('message', { time: 1764324000 }, 1).time).toBe(1764324000000);
  });
});

describe('filterEntries', () => {
  const entries: FeedEntry[] = [
    normalizeEvent('journal', { user: 'alice-id', username: 'alice', command: 'EXISTS', uid: 1 }, 1),
    normalizeEvent('journal', { user: 'bob-id', command: 'EXPUNGE', uid: 2 }, 2),
    normalizeEvent('log', { level: 20, msg: 'debug detail' }, 3),
    normalizeEvent('log', { level: 50, msg: 'disk full', user: 'bob-id' }, 4),
  ];

  it('filters by account, kind, level and text', () => {
    expect(filterEntries(entries, { account: 'ALICE' }).map((e) => e.seq)).toEqual([1]);
    expect(filterEntries(entries, { account: 'bob' }).map((e) => e.seq)).toEqual([2, 4]);
    expect(
      filterEntries(entries, { kinds: new Set(['expunge', 'delivery'] as const) }).map((e) => e.seq),
    ).toEqual([1, 2]);
    expect(
      filterEntries(entries, { kinds: new Set(['log'] as const), minLevel: 'info' }).map((e) => e.seq),
    ).toEqual([4]);
    expect(filterEntries(entries, { text: 'DISK' }).map((e) => e.seq)).toEqual([4]);
    expect(filterEntries(entries, {}).length).toBe(4);
  });
});
