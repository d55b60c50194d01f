// The HTTP API application: JSON routes, the dashboard's static files, JSON errors everywhere.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { ServiceContext } from '../service.ts';
import { healthHandler } from './health.ts';

const dashboardDir = fileURLToPath(new URL('../../renderer/dist/', import.meta.url));

export function createApiApp(ctx: ServiceContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.get('/health', healthHandler(ctx));
  if (existsSync(dashboardDir)) app.use(express.static(dashboardDir, { index: 'index.html' }));
  app.use((req: Request, res: Response) => {
    res.status(404).json({ error: `no route for ${req.method} ${req.path}`, code: 'NotFound' });
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (err as { status?: number }).status;
    if (status && status >= 400 && status < 500) {
      res.status(status).json({ error: (err as Error).message, code: 'BadRequest' });
      return;
    }
    ctx.log.error({ err }, 'API request failed');
    res.status(500).json({ error: 'internal error', code: 'InternalError' });
  });
  return app;
}
