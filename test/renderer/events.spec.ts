import { describe, expect, it } from 'vitest';
import {
  changesAccount,
  filterEntries,
  levelOf,
  normalizeEvent,
  type FeedEntry,
} from '../../renderer/src/lib/events.ts';
import { LiveFeed } from '../../renderer/src/lib/feed.ts';

const iso = '2026-11-28T10:00:00.000Z';
const t = Date.parse(iso);

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
    expect(e.text).toBe('Sign-in failed for alice (IMAP from 10.0.0.2)');
  });

  it("reads the server's auth events: result, the login typed, the account id", () => {
    const event = { type: 'auth', user: null, login: 'dora', protocol: 'pop3', ip: '127.0.0.1', time: iso };
    expect(normalizeEvent('auth', { ...event, result: 'failure' }, 1)).toMatchObject({
      kind: 'auth',
      level: 'warn',
      account: 'dora',
      time: t,
      text: 'Sign-in failed for dora (POP3 from 127.0.0.1)',
    });
    expect(normalizeEvent('auth', { ...event, result: 'throttled' }, 2)).toMatchObject({
      level: 'warn',
      text: 'Sign-in blocked for dora (too many failures) (POP3 from 127.0.0.1)',
    });
    const ok = normalizeEvent('auth', { ...event, user: 'u1', result: 'success', protocol: 'imap' }, 3);
    expect(ok).toMatchObject({
      level: 'info',
      account: 'dora',
      text: 'Signed in as dora (IMAP from 127.0.0.1)',
    });
    // the account id stays findable by the account filter
    expect(filterEntries([ok], { account: 'u1' })).toHaveLength(1);
  });

  it("reads the server's journal beacons, named by user and mailbox path", () => {
    const beacon = {
      type: 'journal',
      user: 'u1',
      mailbox: '65a000000000000000000001',
      command: 'EXISTS',
      uid: 12,
      modseq: 40,
      count: 1,
      username: 'dora',
      mailboxPath: 'INBOX',
      time: iso,
    };
    expect(normalizeEvent('journal', beacon, 1)).toMatchObject({
      kind: 'delivery',
      account: 'dora',
      mailbox: 'INBOX',
      time: t,
      text: 'New message (UID 12) in INBOX',
    });
    expect(normalizeEvent('journal', { ...beacon, count: 3 }, 2).text).toBe('3 new messages in INBOX');
    const withMessage = { ...beacon, from: 'Eve <eve@example.test>', subject: 'Lunch?' };
    expect(normalizeEvent('journal', withMessage, 4).text).toBe(
      'New message (UID 12) in INBOX from Eve <eve@example.test>: “Lunch?”',
    );
    expect(normalizeEvent('journal', { ...withMessage, subject: '', count: 2 }, 5).text).toBe(
      '2 new messages in INBOX, the last from Eve <eve@example.test>: “(no subject)”',
    );
    expect(normalizeEvent('journal', { ...beacon, command: 'EXPUNGE', count: 2 }, 3).text).toBe(
      '2 messages removed in INBOX',
    );
    const created = { ...beacon, command: 'MAILBOX_CREATE', uid: 0, mailboxPath: 'Lists/Work' };
    expect(normalizeEvent('journal', created, 4)).toMatchObject({
      kind: 'mailbox',
      text: 'Mailbox created: Lists/Work',
    });
    // a deleted mailbox has no path left to look up: the id is all there is
    const { mailboxPath: _gone, ...deleted } = { ...beacon, command: 'MAILBOX_DELETE', uid: 0 };
    expect(normalizeEvent('journal', deleted, 5).text).toBe('Mailbox deleted: 65a000000000000000000001');
  });

  it('lets the event name win over a type field inside a log line', () => {
    const e = normalizeEvent(
      'log',
      { time: t, level: 30, msg: 'import done', type: 'import', command: 'X' },
      1,
    );
    expect(e).toMatchObject({ kind: 'log', text: 'import done' });
    expect(
      normalizeEvent('import', { type: 'import', msg: 'import for dora started', time: iso }, 2),
    ).toMatchObject({ kind: 'other', text: 'import for dora started', time: t });
  });

  it("tells which entries change an account's page", () => {
    const beacon = { user: 'u1', command: 'EXISTS', uid: 1 };
    expect(changesAccount(normalizeEvent('journal', beacon, 1), 'u1')).toBe(true);
    expect(changesAccount(normalizeEvent('journal', beacon, 2), 'u2')).toBe(false);
    expect(changesAccount(normalizeEvent('auth', { user: 'u1', result: 'success' }, 3), 'u1')).toBe(false);
    expect(changesAccount(normalizeEvent('log', { user: 'u1', level: 30, msg: 'x' }, 4), 'u1')).toBe(false);
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

describe('LiveFeed', () => {
  it('sorts what /events sends into logs and activity, and announces each activity entry', () => {
    const feed = new LiveFeed();
    const seen: string[] = [];
    const off = feed.onEntry((e) => seen.push(e.kind));
    feed.receive('log', JSON.stringify({ time: t, level: 30, msg: 'Nestbox is ready' }));
    feed.receive(
      'journal',
      JSON.stringify({ type: 'journal', user: 'u1', command: 'EXISTS', uid: 1, count: 2 }),
    );
    feed.receive(
      'auth',
      JSON.stringify({ type: 'auth', result: 'failure', login: 'dora', protocol: 'pop3' }),
    );
    feed.receive(
      'import',
      JSON.stringify({ type: 'import', msg: 'import for dora: 10 messages', time: iso }),
    );
    off();
    feed.receive('journal', JSON.stringify({ user: 'u1', command: 'EXPUNGE', uid: 1 }));

    expect(feed.logs.all().map((e) => e.text)).toEqual(['Nestbox is ready']);
    expect(feed.activity.all().map((e) => e.kind)).toEqual(['delivery', 'auth', 'other', 'expunge']);
    expect(seen).toEqual(['delivery', 'auth', 'other']);
    // one beacon for two new messages counts twice in the per-minute chart
    expect(feed.deliveries).toHaveLength(2);
  });

  it('gives log lines their protocol, user and client address', () => {
    const line = {
      level: 40,
      msg: 'login failed',
      protocol: 'pop3',
      user: 'dora',
      remote: '192.0.2.7',
      time: 1,
    };
    expect(normalizeEvent('log', line, 1)).toMatchObject({ kind: 'log', context: 'POP3 · dora · 192.0.2.7' });
    expect(
      normalizeEvent('log', { level: 30, msg: 'lmtp: DATA failed', protocol: 'lmtp', remote: '::1' }, 2)
        .context,
    ).toBe('LMTP · ::1');
    expect(normalizeEvent('log', { level: 30, msg: 'Nestbox is ready' }, 3).context).toBeUndefined();
  });
});
