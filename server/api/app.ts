// The HTTP API application: JSON routes from the registry, /openapi.json built from the same
// registry, the dashboard's static files, and JSON errors everywhere.
import express, { type NextFunction, type Request, type Response } from 'express';
import type { ServiceContext } from '../service.ts';
import { healthHandler } from './health.ts';
import { mountRoutes, routeNotFound, type ApiDeps } from './registry.ts';
import { ROUTES } from './routes/index.ts';
import { buildOpenApi } from './openapi.ts';
import { toApiError } from './errors.ts';
import { TokenStore } from './auth.ts';
import { EventBus } from './event-bus.ts';
import { ActivityFeed } from './activity-feed.ts';
import { DEFAULT_DASHBOARD_DIR, dashboardRouter } from './dashboard.ts';
import { ServedDomains } from './served-domains.ts';

export function createApiDeps(ctx: ServiceContext): ApiDeps {
  return {
    ctx,
    tokens: new TokenStore(ctx.backends.redis, ctx.store.keys),
    bus: new EventBus(ctx.backends.redis, ctx.store.keys),
    feed: new ActivityFeed(() => ctx.backends.newRedis(), ctx.store.keys),
    domains: new ServedDomains(ctx.store),
  };
}

export function createApiApp(ctx: ServiceContext, deps: ApiDeps = createApiDeps(ctx)): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // `?a[b]=1` stays a plain string key: nested query objects are not part of this API
  app.set('query parser', 'simple');
  app.get('/health', healthHandler(ctx));
  const openapi = buildOpenApi(ROUTES);
  app.get('/openapi.json', (_req: Request, res: Response) => {
    res.json(openapi);
  });
  const router = express.Router({ caseSensitive: true, strict: false });
  mountRoutes(router, ROUTES, deps);
  app.use(router);
  app.use(dashboardRouter(ctx.config.dashboardDir ?? DEFAULT_DASHBOARD_DIR));
  app.use((req: Request, _res: Response, next: NextFunction) => next(routeNotFound(req)));
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const known = toApiError(err);
    if (res.headersSent) {
      if (!known) ctx.log.error({ err, path: req.path }, 'API request failed after the answer started');
      res.destroy();
      return;
    }
    if (known) {
      for (const [k, v] of Object.entries(known.headers)) res.setHeader(k, v);
      res.status(known.status).json({ error: known.message, code: known.code });
      return;
    }
    ctx.log.error({ err, method: req.method, path: req.path }, 'API request failed');
    res.status(500).json({ error: 'internal error', code: 'InternalError' });
  });
  return app;
}
