import type { Request, Response } from 'express';
import type { ServiceContext } from '../service.ts';
import type { Health, ServiceStatus } from './health-shape.ts';

/** GET /health — no token needed; 503 names the back end that does not answer. */
export function healthHandler(ctx: ServiceContext) {
  return async (_req: Request, res: Response): Promise<void> => {
    const { mongodb, redis } = await ctx.backends.health();
    const ok = mongodb === 'ok' && redis === 'ok';
    const services: Record<string, ServiceStatus> = {};
    for (const l of ctx.listeners()) services[l.name] = { host: l.host, port: l.port, tls: l.tls };
    const body: Health = {
      success: ok,
      mongodb,
      redis,
      backend: ctx.backends.mode,
      uptime: Math.round((Date.now() - ctx.startedAt.getTime()) / 1000),
      services,
      ...(ok
        ? {}
        : {
            error: mongodb !== 'ok' ? `MongoDB: ${mongodb}` : `Redis: ${redis}`,
            code: 'BackendUnavailable',
          }),
    };
    res.status(ok ? 200 : 503).json(body);
  };
}
