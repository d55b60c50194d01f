// Starts and stops the whole server: back ends, then each enabled service; ports.json once all
// listen. Stopping runs in reverse: services stop accepting and finish in-flight work, then the
// back-end clients close and embedded binaries stop.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config, ServiceName } from './config/index.ts';
import { createLogging, type Logging } from './log/logger.ts';
import { startBackends, type Backends } from './services/backends.ts';
import type { Listener, RunningService, ServiceContext, ServiceStarter } from './service.ts';
import { ensureAdminToken } from './admin-token.ts';

/** Each service's starter, loaded only when the service is enabled. */
const STARTERS: Record<ServiceName, (() => Promise<ServiceStarter>) | undefined> = {
  api: async () => (await import('./api/service.ts')).startApi,
  imap: undefined,
  pop3: undefined,
  lmtp: undefined,
};

export interface RunningServer {
  ctx: ServiceContext;
  logging: Logging;
  ports: Record<string, number>;
  stop(): Promise<void>;
}

export async function startServer(config: Config, opts: { logging?: Logging } = {}): Promise<RunningServer> {
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
  const backends: Backends = await startBackends(config, log, prepareDatabase);
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
    adminToken: admin.token,
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
      const load = STARTERS[name];
      if (!load) {
        log.warn({ service: name }, `${name} is not part of this build yet; not started`);
        continue;
      }
      const service = await (await load())(ctx);
      running.push(service);
    }
  } catch (err) {
    await stopServices();
    await backends.close();
    throw err;
  }

  const ports: Record<string, number> = {};
  for (const l of ctx.listeners()) ports[l.name] = l.port;
  writeFileSync(join(config.dataDir, 'ports.json'), JSON.stringify(ports, null, 2) + '\n');
  log.info({ ports, listeners: ctx.listeners().map(describe) }, 'Nestbox is ready');

  let stopping: Promise<void> | undefined;
  return {
    ctx,
    logging,
    ports,
    stop() {
      stopping ??= (async () => {
        log.info('shutting down');
        await stopServices();
        await backends.close();
        log.info('stopped');
        await logging.flush();
      })();
      return stopping;
    },
  };
}

function describe(l: Listener): string {
  return `${l.name} ${l.host}:${l.port}${l.tls === 'none' ? '' : ` (${l.tls} TLS)`}`;
}

async function prepareDatabase(): Promise<void> {
  // Index creation moves here with the mail store.
}
