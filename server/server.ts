// Starts and stops the whole server: back ends, then each enabled service; ports.json once all
// listen. Stopping runs in reverse: services stop accepting and finish in-flight work, then the
// back-end clients close and embedded binaries stop.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config, ServiceName } from './config/index.ts';
import { createLogging, type Logging } from './log/logger.ts';
import { startBackends, type Backends } from './services/backends.ts';
import type { Listener, RunningService, ServiceContext, ServiceStarter } from './service.ts';
import { ensureAdminToken } from './admin-token.ts';
import { createStore } from './store/index.ts';
import { Authenticator } from './auth/authenticator.ts';
import { DEFAULT_RATE_LIMIT, type RateLimitOptions } from './auth/rate-limit.ts';
import { DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from './connection-limits.ts';
import { loadTls } from './tls.ts';
import { buildDashboardIfStale, DEFAULT_DASHBOARD_DIR } from './api/dashboard.ts';

/**
 * Each service lives in `server/<name>/service.ts` and exports `start`. Loaded only when enabled;
 * the extension follows this file's (.ts from source, .js when compiled).
 */
async function loadStarter(name: ServiceName): Promise<ServiceStarter | undefined> {
  const url = new URL(`./${name}/service${extname(fileURLToPath(import.meta.url))}`, import.meta.url);
  try {
    return ((await import(url.href)) as { start?: ServiceStarter }).start;
  } catch (err) {
    if (
      (err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' &&
      String((err as Error).message).includes(url.pathname)
    ) {
      return undefined;
    }
    throw err;
  }
}

export interface RunningServer {
  ctx: ServiceContext;
  logging: Logging;
  ports: Record<string, number>;
  stop(): Promise<void>;
}

export interface StartOptions {
  logging?: Logging;
  /** Other login and connection limits than server/limits.ts gives (tests use small ones). */
  rateLimit?: Partial<RateLimitOptions>;
  connectionLimits?: Partial<ConnectionLimits>;
  /** Build the dashboard in the background when its folder is missing or stale (`nestbox serve`). */
  buildDashboard?: boolean;
}

export async function startServer(config: Config, opts: StartOptions = {}): Promise<RunningServer> {
  mkdirSync(config.dataDir, { recursive: true });
  const logging =
    opts.logging ??
    (await createLogging({
      level: config.logLevel,
      dir: join(config.dataDir, 'logs'),
      maxSize: config.logMaxSize,
      maxFiles: config.logMaxFiles,
    }));
  const { log } = logging;
  const dashboardBuild = new AbortController();
  if (opts.buildDashboard && config.dashboardBuild === 'auto' && config.services.includes('api'))
    void buildDashboardIfStale(config.dashboardDir ?? DEFAULT_DASHBOARD_DIR, log, dashboardBuild.signal);
  const backends: Backends = await startBackends(config, log);
  const store = createStore({
    database: backends.database,
    redis: backends.redis,
    options: {
      log: (msg, fields) => log.info(fields, msg),
      relayConfigured: Boolean(config.relayUrl),
      channelPrefix: config.redisPrefix,
    },
  });
  try {
    await store.ensureIndexes();
  } catch (err) {
    await store.close();
    await backends.close();
    throw err;
  }
  const auth = new Authenticator(
    { store, authlog: store.authlog, redis: backends.redis, log },
    { ...DEFAULT_RATE_LIMIT, ...opts.rateLimit },
  );
  const stopMaintenance = store.startMaintenance();
  let tls;
  try {
    tls = await loadTls(config);
  } catch (err) {
    stopMaintenance();
    await store.close();
    await backends.close();
    throw err;
  }
  const admin = ensureAdminToken(config.dataDir, config.adminToken);
  if (admin.created) {
    log.warn(`admin token generated: ${admin.token} (stored in ${join(config.dataDir, 'admin-token')})`);
  }
  const running: RunningService[] = [];
  const ctx: ServiceContext = {
    config,
    log,
    ring: logging.ring,
    backends,
    store,
    auth,
    tls,
    adminToken: admin.token,
    connectionLimits: { ...DEFAULT_CONNECTION_LIMITS, ...opts.connectionLimits },
    startedAt: new Date(),
    listeners: () => running.flatMap((s) => s.listeners),
  };

  const stopServices = async () => {
    for (const service of running.splice(0).reverse()) {
      await service
        .close()
        .catch((err: unknown) => log.error({ err, service: service.name }, 'service did not stop cleanly'));
    }
  };
  try {
    for (const name of config.services) {
      const start = await loadStarter(name);
      if (!start) {
        log.warn({ service: name }, `${name} is not part of this build yet; not started`);
        continue;
      }
      const service = await start(ctx);
      running.push(service);
    }
  } catch (err) {
    dashboardBuild.abort();
    await stopServices();
    stopMaintenance();
    await store.close();
    await backends.close();
    throw err;
  }

  const ports: Record<string, number> = {};
  for (const l of ctx.listeners()) ports[l.name] = l.port;
  // written whole and then renamed into place: whoever waits for the file (the desktop shell, the
  // mail import CLI) never reads it half written
  const portsFile = join(config.dataDir, 'ports.json');
  writeFileSync(`${portsFile}.tmp`, JSON.stringify(ports, null, 2) + '\n');
  renameSync(`${portsFile}.tmp`, portsFile);
  for (const l of ctx.listeners()) log.info({ listener: l.name, host: l.host, port: l.port }, describe(l));
  log.info({ ports }, 'Nestbox is ready');

  let stopping: Promise<void> | undefined;
  return {
    ctx,
    logging,
    ports,
    stop() {
      stopping ??= (async () => {
        log.info('shutting down');
        dashboardBuild.abort();
        await stopServices();
        stopMaintenance();
        await store.close();
        await backends.close();
        log.info('stopped');
        await logging.flush();
      })();
      return stopping;
    },
  };
}

const SECURITY: Record<Listener['tls'], string> = {
  none: 'no TLS',
  starttls: 'STARTTLS',
  implicit: 'TLS',
};

/** One log line per listener: `IMAPS listening on 0.0.0.0:1993 (TLS)`; the API names its URL. */
function describe(l: Listener): string {
  if (l.name === 'api') {
    const host = l.host.includes(':') ? `[${l.host}]` : l.host;
    return `API and dashboard listening on http://${host}:${l.port}/`;
  }
  return `${l.name.toUpperCase()} listening on ${l.host}:${l.port} (${SECURITY[l.tls]})`;
}
