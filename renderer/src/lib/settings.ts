// GET /settings may list entries or return the config as an object; both become SettingEntry[].
import type { SettingEntry } from './types.ts';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

function kindOf(value: unknown, declared?: unknown): SettingEntry['kind'] {
  if (declared === 'string' || declared === 'number' || declared === 'boolean' || declared === 'list')
    return declared;
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'boolean';
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object')) return 'list';
  return 'other';
}

/** { a: { b: 1 } } → { 'a.b': 1 }; arrays and primitives are leaves. */
export function flattenSettings(obj: Obj, prefix = ''): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (isObj(v) && Object.keys(v).length) Object.assign(out, flattenSettings(v, key));
    else out[key] = v;
  }
  return out;
}

/** { 'a.b': 1 } → { a: { b: 1 } } — the config file's shape. */
export function nestSettings(flat: Obj): Obj {
  const out: Obj = {};
  for (const [key, value] of Object.entries(flat)) {
    const parts = key.split('.');
    let node = out;
    parts.slice(0, -1).forEach((p) => {
      if (!isObj(node[p])) node[p] = {};
      node = node[p] as Obj;
    });
    node[parts[parts.length - 1]!] = value;
  }
  return out;
}

const truthy = (v: unknown) => v === true || v === 'true';

export function normalizeSettings(body: unknown): SettingEntry[] {
  const b = isObj(body) ? body : {};
  const list = Array.isArray(body) ? body : Array.isArray(b.results) ? b.results : b.settings;
  const restartKeys = new Set(
    [b.restartRequired, b.requiresRestart].flatMap((v) => (Array.isArray(v) ? v.map(String) : [])),
  );
  const readOnlyKeys = new Set(Array.isArray(b.readOnly) ? b.readOnly.map(String) : []);
  const help = isObj(b.help) ? b.help : {};

  if (Array.isArray(list)) {
    return list.filter(isObj).map((e) => {
      const key = String(e.key ?? e.name ?? (Array.isArray(e.path) ? e.path.join('.') : e.path));
      return {
        key,
        value: e.value,
        kind: kindOf(e.value, e.kind ?? e.type),
        help: typeof (e.help ?? e.description) === 'string' ? String(e.help ?? e.description) : undefined,
        restartRequired: truthy(e.restartRequired ?? e.requiresRestart ?? e.restart) || restartKeys.has(key),
        readOnly: truthy(e.readOnly) || e.editable === false || readOnlyKeys.has(key),
        secret: truthy(e.secret),
        env: typeof e.env === 'string' ? e.env : undefined,
        source: typeof e.source === 'string' ? e.source : undefined,
        sourceName: typeof e.sourceName === 'string' ? e.sourceName : undefined,
        overridesSaved: e.overridesSaved === true,
        isSet: typeof e.isSet === 'boolean' ? e.isSet : undefined,
      };
    });
  }
  const values = isObj(b.settings) ? b.settings : isObj(b.config) ? b.config : {};
  return Object.entries(flattenSettings(values)).map(([key, value]) => ({
    key,
    value,
    kind: kindOf(value),
    help: typeof help[key] === 'string' ? help[key] : undefined,
    restartRequired: restartKeys.has(key),
    readOnly: readOnlyKeys.has(key),
    secret: false,
  }));
}

/** The text shown in an input for a value, and back. */
export function settingToText(entry: SettingEntry): string {
  if (entry.value === undefined || entry.value === null) return '';
  if (entry.kind === 'list' && Array.isArray(entry.value)) return entry.value.join(', ');
  if (entry.kind === 'other') return JSON.stringify(entry.value);
  return String(entry.value);
}

/** What the input starts with: secrets start empty, their current (redacted) value is only a hint. */
export function initialDraft(entry: SettingEntry): string {
  return entry.secret ? '' : settingToText(entry);
}

/** A secret changes only when something is typed; anything else when the text differs. */
export function isChanged(entry: SettingEntry, draft: string | undefined): boolean {
  if (entry.readOnly) return false;
  if (entry.secret) return (draft ?? '').trim() !== '';
  return (draft ?? '') !== settingToText(entry);
}

export function textToSetting(entry: SettingEntry, text: string): { value?: unknown; error?: string } {
  const t = text.trim();
  switch (entry.kind) {
    case 'number': {
      if (t === '') return { value: null };
      const n = Number(t);
      return Number.isFinite(n) ? { value: n } : { error: `${entry.key} must be a number` };
    }
    case 'boolean':
      if (t === 'true' || t === 'false') return { value: t === 'true' };
      return { error: `${entry.key} must be true or false` };
    case 'list':
      return {
        value: t
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      };
    case 'other':
      try {
        return { value: JSON.parse(t) };
      } catch {
        return { error: `${entry.key} must be valid JSON` };
      }
    default:
      // An emptied text setting goes back to its default (null removes the saved value).
      return { value: t === '' ? null : t };
  }
}

/** What the Settings page says about where a value comes from; '' for a default. */
export function sourceNote(e: SettingEntry): string {
  const name = e.sourceName ?? e.env;
  switch (e.source) {
    case undefined:
    case 'default':
      return '';
    case 'env':
    case 'flag': {
      const by =
        e.source === 'env' ? `environment variable ${name ?? ''}` : `command-line flag ${name ?? ''}`;
      return e.overridesSaved
        ? `Set by the ${by}, which overrides the saved value: changes saved here apply once it is unset.`
        : `Set by the ${by}: it wins over a value saved here.`;
    }
    case 'file':
      return name ? `From ${name}.` : 'From the settings file.';
    default:
      return `From ${e.source}.`;
  }
}

/** A secret's field shows no value: say whether there is one. */
export function secretPlaceholder(e: SettingEntry): string {
  return settingToText(e) || (e.isSet === false ? 'not set' : 'hidden; type to replace');
}
