import { describe, expect, it } from 'vitest';
import { normalizeSettings, secretPlaceholder, sourceNote } from '../../renderer/src/lib/settings.ts';

const entry = (extra: Record<string, unknown>) =>
  normalizeSettings({
    settings: [{ key: 'imapPort', value: 1993, kind: 'number', env: 'NESTBOX_IMAP_PORT', ...extra }],
  })[0]!;

describe('where a setting comes from', () => {
  it('says when an environment variable overrides a saved value', () => {
    const e = entry({ source: 'env', sourceName: 'NESTBOX_IMAP_PORT', overridesSaved: true });
    expect(sourceNote(e)).toBe(
      'Set by the environment variable NESTBOX_IMAP_PORT, which overrides the saved value: changes saved here apply once it is unset.',
    );
    expect(sourceNote(entry({ source: 'env', sourceName: 'NESTBOX_IMAP_PORT' }))).toBe(
      'Set by the environment variable NESTBOX_IMAP_PORT: it wins over a value saved here.',
    );
    expect(sourceNote(entry({ source: 'flag', sourceName: '--imap-port', overridesSaved: true }))).toMatch(
      /^Set by the command-line flag --imap-port, which overrides the saved value/,
    );
  });

  it('names the file, and says nothing for a default', () => {
    expect(sourceNote(entry({ source: 'file', sourceName: '/data/config.json' }))).toBe(
      'From /data/config.json.',
    );
    expect(sourceNote(entry({ source: 'default' }))).toBe('');
    expect(sourceNote(entry({}))).toBe('');
  });

  it('an unset secret reads "not set", a set one "hidden"', () => {
    const relay = (isSet: boolean) =>
      normalizeSettings({
        settings: [{ key: 'relayUrl', value: null, kind: 'string', secret: true, isSet }],
      })[0]!;
    expect(secretPlaceholder(relay(false))).toBe('not set');
    expect(secretPlaceholder(relay(true))).toBe('hidden; type to replace');
  });
});
