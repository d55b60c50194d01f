// Dashboard support: the effective settings (without secrets), saving them to <data>/config.json,
// and downloading the current log file.
import { createReadStream, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../registry.ts';
import { configSchema, SAVED_SETTINGS_FILE, SETTINGS, settingSource } from '../../config/index.ts';
import { redactUri } from '../../services/backends.ts';
import { ApiError, badInput, notFound } from '../errors.ts';
import { pipeStream } from './messages.ts';

/** Never shown: the admin token. Shown with credentials removed: URIs that may carry a password. */
const HIDDEN = new Set(['adminToken']);
const REDACTED = new Set(['mongodbUri', 'redisUrl', 'relayUrl']);
/** Where the settings file lives, so it cannot be changed from inside it. */
const READ_ONLY = new Set(['dataDir', 'dashboardDir']);
/** Applied to the running server at once; everything else takes effect after a restart. */
const LIVE = new Set(['logLevel']);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

function getPath(obj: unknown, path: readonly string[]): unknown {
  let node = obj;
  for (const p of path) node = isObj(node) ? node[p] : undefined;
  return node;
}

function setPath(obj: Obj, path: readonly string[], value: unknown): void {
  let node = obj;
  for (const p of path.slice(0, -1)) {
    if (!isObj(node[p])) node[p] = {};
    node = node[p] as Obj;
  }
  if (value === null) delete node[path[path.length - 1]!];
  else node[path[path.length - 1]!] = value;
}

const shape = configSchema.shape;
const nullable = <T extends z.ZodType>(s: T) => s.nullable().optional();
/** A partial config, nested as in the config file; null removes a saved value (back to its default). */
const settingsBody = z
  .object({
    mongodbUri: nullable(shape.mongodbUri.unwrap()),
    redisUrl: nullable(shape.redisUrl.unwrap()),
    dbName: nullable(z.string().regex(/^[A-Za-z0-9_-]{1,60}$/)),
    services: nullable(z.array(z.enum(['imap', 'pop3', 'lmtp', 'api'])).max(4)),
    host: nullable(z.string().min(1).max(255)),
    lmtpHost: nullable(z.string().min(1).max(255)),
    apiHost: nullable(z.string().min(1).max(255)),
    ports: shape.ports
      .partial()
      .extend(Object.fromEntries(Object.entries(shape.ports.shape).map(([k, v]) => [k, nullable(v)])))
      .strict()
      .optional(),
    adminToken: nullable(z.string().min(16).max(512)),
    logLevel: nullable(shape.logLevel),
    logMaxSize: nullable(shape.logMaxSize.max(2 ** 40)),
    logMaxFiles: nullable(shape.logMaxFiles),
    relayUrl: nullable(shape.relayUrl.unwrap()),
    pop3Delete: nullable(shape.pop3Delete),
    plaintextAuth: nullable(shape.plaintextAuth),
    maxMessageSize: nullable(shape.maxMessageSize),
    dashboardBuild: nullable(shape.dashboardBuild),
    outgoing: z
      .object({
        host: nullable(shape.outgoing.shape.host.unwrap()),
        port: nullable(shape.outgoing.shape.port.unwrap()),
        tls: nullable(shape.outgoing.shape.tls),
      })
      .strict()
      .optional(),
    tls: z
      .object({ cert: nullable(z.string().min(1).max(4096)), key: nullable(z.string().min(1).max(4096)) })
      .strict()
      .optional(),
  })
  .strict();

const getSettings = defineRoute({
  method: 'get',
  path: '/settings',
  tag: 'Settings',
  summary: 'The effective settings, without secrets, where each value came from, and which need a restart',
  description:
    '`source` is default, file, env or flag (`sourceName` names the file, variable or flag); ' +
    '`overridesSaved` is true when an environment variable or flag wins over a value saved in the file, ' +
    'so saving that setting here changes nothing until it is unset. `isSet` says whether a secret has a value.',
  access: 'admin',
  responses: { 200: { description: 'Settings' } },
  async handler({ deps }) {
    const cfg = deps.ctx.config as unknown as Obj;
    const savedFile = join(deps.ctx.config.dataDir, SAVED_SETTINGS_FILE);
    let saved: Obj = {};
    try {
      const parsed: unknown = existsSync(savedFile) ? JSON.parse(readFileSync(savedFile, 'utf8')) : {};
      if (isObj(parsed)) saved = parsed;
    } catch {
      // unreadable: PUT says so; here only the overrides go unnoticed
    }
    const settings = SETTINGS.map((spec) => {
      const key = spec.path.join('.');
      let value = getPath(cfg, spec.path) ?? null;
      const isSet = value !== null && value !== '';
      const source = settingSource(deps.ctx.config, key);
      const winsOverFile = source.kind === 'env' || source.kind === 'flag';
      const overridesSaved = winsOverFile && (getPath(saved, spec.path) !== undefined || !!source.overrides);
      if (HIDDEN.has(key)) value = null;
      else if (REDACTED.has(key) && typeof value === 'string') value = redactUri(value);
      return {
        key,
        value,
        kind: spec.kind,
        help: spec.help,
        env: spec.env,
        restartRequired: !LIVE.has(key),
        readOnly: READ_ONLY.has(key),
        secret: HIDDEN.has(key) || REDACTED.has(key),
        isSet,
        source: source.kind,
        ...(source.name ? { sourceName: source.name } : {}),
        overridesSaved,
      };
    });
    return {
      success: true,
      file: join(deps.ctx.config.dataDir, SAVED_SETTINGS_FILE),
      settings,
      restartRequired: settings.filter((s) => s.restartRequired).map((s) => s.key),
    };
  },
});

const putSettings = defineRoute({
  method: 'put',
  path: '/settings',
  tag: 'Settings',
  summary: 'Save settings to <data>/config.json',
  description:
    'Only the keys sent change; null removes a saved value. The result is validated with the config schema ' +
    'before it is written. The answer lists the keys that take effect only after a restart. Settings given ' +
    'by environment variables or flags still win over the saved file.',
  access: 'admin',
  body: settingsBody,
  responses: { 200: { description: 'Saved' } },
  async handler({ body, deps }) {
    const { ctx } = deps;
    const { sess: _s, ip: _i, ...changes } = body as Obj;
    const file = join(ctx.config.dataDir, SAVED_SETTINGS_FILE);
    let saved: Obj = {};
    if (existsSync(file)) {
      try {
        const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
        if (isObj(parsed)) saved = parsed;
      } catch {
        throw new ApiError(
          409,
          'SettingsFileUnreadable',
          `${file} is not valid JSON; fix or remove it first`,
        );
      }
    }
    const changed: string[] = [];
    const effective = structuredClone(ctx.config) as unknown as Obj;
    for (const spec of SETTINGS) {
      const value = getPath(changes, spec.path);
      if (value === undefined) continue;
      const key = spec.path.join('.');
      if (READ_ONLY.has(key)) throw badInput(`body.${key}: cannot be changed here`);
      setPath(saved, spec.path, value);
      if (value !== null) setPath(effective, spec.path, value);
      changed.push(key);
    }
    const check = configSchema.safeParse(effective);
    if (!check.success) {
      const issue = check.error.issues[0]!;
      throw badInput(`body.${issue.path.join('.')}: ${issue.message}`);
    }
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, JSON.stringify(saved, null, 2) + '\n', { mode: 0o600 });
    renameSync(tmp, file);
    const applied: string[] = [];
    if (changed.includes('logLevel') && typeof changes.logLevel === 'string') {
      ctx.log.level = changes.logLevel;
      applied.push('logLevel');
    }
    ctx.log.info({ changed }, 'settings saved');
    return { success: true, file, changed, applied, restartRequired: changed.filter((k) => !LIVE.has(k)) };
  },
});

const currentLog = defineRoute({
  method: 'get',
  path: '/logs/current',
  tag: 'Settings',
  summary: 'Download the current log file (JSON lines)',
  access: 'admin',
  responses: { 200: { description: 'Log file', contentType: 'application/x-ndjson' } },
  async handler({ res, deps }) {
    const file = join(deps.ctx.config.dataDir, 'logs', 'current.log');
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      throw notFound('NoLogFile', 'this server does not write a log file');
    }
    res.setHeader('Content-Type', 'application/x-ndjson; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="nestbox.log"');
    // the file grows while it is read: send the bytes it had when asked
    res.setHeader('Content-Length', String(size));
    if (size === 0) {
      res.end();
      return undefined;
    }
    await pipeStream(createReadStream(file, { start: 0, end: Math.max(0, size - 1) }), res, deps.ctx.log);
    return undefined;
  },
});

export const settingsRoutes: AnyRoute[] = [getSettings, putSettings, currentLog];
