// Gathers raw settings from defaults < config file (NESTBOX_CONFIG, TOML or JSON) < environment
// < CLI flags, remembering where each value came from, then validates them with the schema.
// A bad value stops start-up with one line that names the setting, its source and the problem.
import { existsSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { configSchema, type Config } from './schema.ts';
import { SETTINGS, defaults, type SettingSpec } from './settings.ts';
import { defaultDataDir } from './paths.ts';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Flag name (without --) → value, e.g. { 'imap-port': '0' }. */
  flags?: Record<string, string | undefined>;
  /**
   * Config file path; defaults to flags.config, then env NESTBOX_CONFIG, then `<data>/config.json`
   * when it exists (where the dashboard saves settings).
   */
  configFile?: string;
}

type Raw = Record<string, unknown>;

function setPath(obj: Raw, path: readonly string[], value: unknown): void {
  let node = obj;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    node = (typeof next === 'object' && next !== null ? next : (node[key] = {})) as Raw;
  }
  node[path[path.length - 1]!] = value;
}

function getPath(obj: unknown, path: readonly string[]): unknown {
  let node = obj;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Raw)[key];
  }
  return node;
}

/** Converts a string from the environment or a flag to the setting's kind; leaves bad input for the schema to name. */
function fromString(spec: SettingSpec, value: string): unknown {
  switch (spec.kind) {
    case 'number':
      return /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
    case 'list':
      return value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean);
    default:
      return value;
  }
}

function readConfigFile(path: string): Raw {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `config file ${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? err})`,
    );
  }
  try {
    const parsed: unknown = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseToml(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error('the top level must be a table/object');
    }
    return parsed as Raw;
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0];
    throw new ConfigError(
      `config file ${path}: not valid ${extname(path) === '.json' ? 'JSON' : 'TOML'}: ${msg}`,
    );
  }
}

export const SAVED_SETTINGS_FILE = 'config.json';

/** Where a setting's value came from; `overrides` names a config file value it won over. */
export interface SettingSource {
  kind: 'default' | 'file' | 'env' | 'flag';
  /** The file, environment variable or flag. */
  name?: string;
  overrides?: string;
}

const SOURCES = new WeakMap<object, Map<string, SettingSource>>();

/** Where each setting of a loaded config came from (dotted key → source); default when unknown. */
export function settingSource(config: Config, key: string): SettingSource {
  return SOURCES.get(config)?.get(key) ?? { kind: 'default' };
}

/** `<data>/config.json` when it exists, the data folder coming from a flag, the environment or the default. */
function savedSettingsFile(
  env: NodeJS.ProcessEnv,
  flags: Record<string, string | undefined>,
): string | undefined {
  const dataDir = flags['data-dir'] ?? (env.NESTBOX_DATA_DIR || defaultDataDir(env));
  const path = join(dataDir, SAVED_SETTINGS_FILE);
  return existsSync(path) ? path : undefined;
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const flags = opts.flags ?? {};
  const raw: Raw = defaults(defaultDataDir(env));
  const source = new Map<string, string>(); // dotted path → where its value came from
  const sources = new Map<string, SettingSource>();
  const overridden = (key: string) => {
    const before = sources.get(key);
    return before?.kind === 'file' ? { overrides: before.name! } : {};
  };

  const file = opts.configFile ?? flags.config ?? env.NESTBOX_CONFIG ?? savedSettingsFile(env, flags);
  if (file) {
    const fileValues = readConfigFile(file);
    const known = new Set(SETTINGS.map((spec) => spec.path[0]));
    for (const key of Object.keys(fileValues)) {
      if (!known.has(key)) throw new ConfigError(`config file ${file}: unknown setting "${key}"`);
    }
    for (const spec of SETTINGS) {
      const value = getPath(fileValues, spec.path);
      if (value === undefined) continue;
      setPath(raw, spec.path, value);
      source.set(spec.path.join('.'), `${spec.path.join('.')} in ${file}`);
      sources.set(spec.path.join('.'), { kind: 'file', name: file });
    }
  }
  for (const spec of SETTINGS) {
    const value = env[spec.env];
    if (value === undefined || value === '') continue;
    setPath(raw, spec.path, fromString(spec, value));
    source.set(spec.path.join('.'), spec.env);
    sources.set(spec.path.join('.'), { kind: 'env', name: spec.env, ...overridden(spec.path.join('.')) });
  }
  for (const spec of SETTINGS) {
    const value = flags[spec.flag];
    if (value === undefined) continue;
    setPath(raw, spec.path, fromString(spec, value));
    source.set(spec.path.join('.'), `--${spec.flag}`);
    sources.set(spec.path.join('.'), {
      kind: 'flag',
      name: `--${spec.flag}`,
      ...overridden(spec.path.join('.')),
    });
  }

  const result = configSchema.safeParse(raw);
  if (result.success) {
    SOURCES.set(result.data, sources);
    return result.data;
  }
  const issue = result.error.issues[0]!;
  // Name the setting by the source its value came from; list items point at their list.
  const path = issue.path.filter((p) => typeof p === 'string').join('.');
  const spec = SETTINGS.find((sp) => sp.path.join('.') === path);
  const where = source.get(path) ?? spec?.env ?? path;
  const value = getPath(raw, path.split('.'));
  const shown = value === undefined ? '' : ` = ${JSON.stringify(value)}`;
  throw new ConfigError(`invalid setting ${where}${shown}: ${issue.message}`);
}
