import { describe, expect, it } from 'vitest';
import { clientSettings } from '../../renderer/src/lib/connect.ts';
import {
  formatBytes,
  formatDuration,
  parseSize,
  quotaPercent,
  tlsLabel,
} from '../../renderer/src/lib/format.ts';
import { perMinute, pruneTimes } from '../../renderer/src/lib/rate.ts';
import { href, parseHash } from '../../renderer/src/lib/router.ts';
import {
  initialDraft,
  isChanged,
  normalizeSettings,
  settingToText,
  textToSetting,
} from '../../renderer/src/lib/settings.ts';
import type { SettingEntry } from '../../renderer/src/lib/types.ts';

describe('formatting', () => {
  it('formats and parses sizes', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(1024 ** 3)).toBe('1 GB');
    expect(formatBytes(100)).toBe('100 B');
    expect(formatBytes(10 * 1024)).toBe('10 KB');
    expect(formatBytes(150 * 1024 ** 2)).toBe('150 MB');
    expect(formatBytes(undefined)).toBe('—');
    expect(parseSize('2 GB')).toBe(2 * 1024 ** 3);
    expect(parseSize('1.5m')).toBe(1.5 * 1024 ** 2);
    expect(parseSize('500 MiB')).toBe(500 * 1024 ** 2);
    expect(parseSize('1048576')).toBe(1048576);
    expect(parseSize('lots')).toBeUndefined();
  });

  it('formats durations and quota shares', () => {
    expect(formatDuration(12)).toBe('12s');
    expect(formatDuration(250)).toBe('4m 10s');
    expect(formatDuration(7500)).toBe('2h 5m');
    expect(formatDuration(3 * 86400 + 4 * 3600)).toBe('3d 4h');
    expect(quotaPercent(50, 200)).toBe(25);
    expect(quotaPercent(500, 200)).toBe(100);
    expect(quotaPercent(5, 0)).toBe(0);
  });

  it('describes TLS for mail clients', () => {
    expect(tlsLabel('imaps', true)).toBe('SSL/TLS');
    expect(tlsLabel('imaps', 'implicit')).toBe('SSL/TLS');
    expect(tlsLabel('imap', false)).toBe('STARTTLS');
    expect(tlsLabel('imap', 'starttls')).toBe('STARTTLS');
    expect(tlsLabel('imap', 'none')).toBe('None');
    expect(tlsLabel('lmtp', false)).toBe('None');
  });
});

describe('client settings', () => {
  it('lists IMAP then POP3, TLS first, with the page host for wildcard binds', () => {
    const rows = clientSettings(
      {
        lmtp: { host: '127.0.0.1', port: 2424, tls: false },
        pop3: { host: '0.0.0.0', port: 1110, tls: false },
        imap: { host: '0.0.0.0', port: 1143, tls: false },
        imaps: { host: '192.168.1.5', port: 1993, tls: true },
        pop3s: { host: '::', port: 1995, tls: 'implicit', listening: false },
      },
      'mail.home',
      'alice',
    );
    expect(rows.map((r) => [r.protocol, r.host, r.port, r.security])).toEqual([
      ['IMAP', '192.168.1.5', 1993, 'SSL/TLS'],
      ['IMAP', 'mail.home', 1143, 'STARTTLS'],
      ['POP3', 'mail.home', 1110, 'STARTTLS'],
    ]);
    expect(rows.every((r) => r.username === 'alice')).toBe(true);
  });
});

describe('deliveries per minute', () => {
  it('counts into one-minute buckets and prunes old times', () => {
    const now = Date.parse('2026-11-28T10:30:30Z');
    const times = [now, now - 10_000, now - 60_000, now - 5 * 60_000, now - 40 * 60_000];
    const s = perMinute(times, now, 10);
    expect(s.counts.length).toBe(10);
    expect(s.counts.at(-1)).toBe(2);
    expect(s.counts.at(-2)).toBe(1);
    expect(s.counts.at(-6)).toBe(1);
    expect(s.total).toBe(4);
    expect(s.max).toBe(2);
    expect(pruneTimes(times, now, 10)).toHaveLength(4);
  });
});

describe('routes', () => {
  it('parses and builds hash routes', () => {
    expect(parseHash('')).toEqual({ page: 'overview' });
    expect(parseHash('#/accounts')).toEqual({ page: 'accounts' });
    expect(parseHash('#/accounts/abc%2F1')).toEqual({ page: 'accounts', id: 'abc/1' });
    expect(parseHash('#/logs/x')).toEqual({ page: 'logs' });
    expect(parseHash('#/nowhere')).toEqual({ page: 'overview' });
    expect(href('connect', 'a b')).toBe('#/connect/a%20b');
  });
});

describe('settings', () => {
  it('reads a list of entries with restart flags', () => {
    const entries = normalizeSettings({
      success: true,
      results: [
        { key: 'ports.imap', value: 1143, kind: 'number', help: 'IMAP port', restartRequired: true },
        { key: 'logLevel', value: 'info', kind: 'string' },
        { path: ['services'], value: ['imap', 'api'], kind: 'list', readOnly: true },
      ],
    });
    expect(entries.map((e) => [e.key, e.kind, e.restartRequired, e.readOnly])).toEqual([
      ['ports.imap', 'number', true, false],
      ['logLevel', 'string', false, false],
      ['services', 'list', false, true],
    ]);
  });

  it("reads the server's GET /settings: a settings list with secrets and environment names", () => {
    const entries = normalizeSettings({
      success: true,
      file: '/data/config.json',
      settings: [
        {
          key: 'ports.imap',
          value: 1143,
          kind: 'number',
          help: 'IMAP (STARTTLS) port',
          env: 'NESTBOX_IMAP_PORT',
          restartRequired: true,
          readOnly: false,
          secret: false,
        },
        {
          key: 'adminToken',
          value: null,
          kind: 'string',
          env: 'NESTBOX_ADMIN_TOKEN',
          restartRequired: true,
          readOnly: false,
          secret: true,
        },
        {
          key: 'mongodbUri',
          value: 'mongodb://***@db:27017/',
          kind: 'string',
          restartRequired: true,
          readOnly: false,
          secret: true,
        },
        {
          key: 'dataDir',
          value: '/data',
          kind: 'string',
          restartRequired: true,
          readOnly: true,
          secret: false,
        },
      ],
      restartRequired: ['ports.imap', 'adminToken', 'mongodbUri', 'dataDir'],
    });
    expect(entries.map((e) => [e.key, e.kind, e.secret, e.readOnly, e.env])).toEqual([
      ['ports.imap', 'number', false, false, 'NESTBOX_IMAP_PORT'],
      ['adminToken', 'string', true, false, 'NESTBOX_ADMIN_TOKEN'],
      ['mongodbUri', 'string', true, false, undefined],
      ['dataDir', 'string', false, true, undefined],
    ]);
    const [port, token, uri, dataDir] = entries as [SettingEntry, SettingEntry, SettingEntry, SettingEntry];
    // A secret's input starts empty and counts as changed only once something is typed, so a redacted
    // URI is never saved back with its *** in it.
    expect(initialDraft(uri)).toBe('');
    expect(isChanged(uri, '')).toBe(false);
    expect(isChanged(token, 'a-new-token-of-enough-length')).toBe(true);
    expect(initialDraft(port)).toBe('1143');
    expect(isChanged(port, '1143')).toBe(false);
    expect(isChanged(port, '1144')).toBe(true);
    expect(isChanged(dataDir, '/elsewhere')).toBe(false);
  });

  it('reads a config object with a restart list', () => {
    const entries = normalizeSettings({
      settings: { ports: { imap: 1143 }, logLevel: 'info', tls: {} },
      restartRequired: ['ports.imap'],
    });
    expect(entries.map((e) => [e.key, e.value, e.restartRequired])).toEqual([
      ['ports.imap', 1143, true],
      ['logLevel', 'info', false],
      ['tls', {}, false],
    ]);
  });

  it('converts values to text and back, with readable errors', () => {
    const list = {
      key: 'services',
      value: ['imap', 'api'],
      kind: 'list',
      restartRequired: true,
      readOnly: false,
    } as const;
    expect(settingToText(list)).toBe('imap, api');
    expect(textToSetting(list, 'imap, pop3 ,')).toEqual({ value: ['imap', 'pop3'] });
    const num = { ...list, key: 'ports.api', value: 8080, kind: 'number' } as const;
    expect(textToSetting(num, '80x')).toEqual({ error: 'ports.api must be a number' });
    expect(textToSetting(num, ' 8081 ')).toEqual({ value: 8081 });
    // an emptied text setting is removed from the saved file (back to its default)
    const text = { ...list, key: 'relayUrl', value: 'smtp://relay:587', kind: 'string' } as const;
    expect(textToSetting(text, '  ')).toEqual({ value: null });
    expect(textToSetting(text, 'smtp://other:25')).toEqual({ value: 'smtp://other:25' });
  });
});
