import { createServer } from 'node:http';
import type { ServiceStarter } from '../service.ts';
import { listen } from '../net.ts';
import { createApiApp, createApiDeps } from './app.ts';

export const start: ServiceStarter = async (ctx) => {
  const deps = createApiDeps(ctx);
  const server = createServer(createApiApp(ctx, deps));
  server.keepAliveTimeout = 5000;
  const host = ctx.config.apiHost;
  const port = await listen(server, ctx.config.ports.api, host);
  return {
    name: 'api',
    listeners: [{ name: 'api', host, port, tls: 'none' }],
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // long-lived streams (server-sent events) get a moment, then are cut
      const cut = setTimeout(() => server.closeAllConnections(), 1000);
      await closed;
      clearTimeout(cut);
      deps.feed.close();
    },
  };
};
