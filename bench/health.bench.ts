// GET /health requests per second against a real server process (FerretDB + Redis behind it).
import { spawnServer } from '../test/helpers/server-process.ts';

const srv = spawnServer({
  MONGODB_URI: process.env.MONGODB_URI,
  REDIS_URL: process.env.REDIS_URL,
  NESTBOX_SERVICES: 'api',
  NESTBOX_LOG_LEVEL: 'warn',
});
try {
  const ports = await srv.ready();
  const url = `http://127.0.0.1:${ports.api}/health`;
  const concurrency = 8;
  const total = 2000;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < total) {
        const res = await fetch(url);
        await res.arrayBuffer();
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  console.log(`health: ${total} requests, concurrency ${concurrency}: ${(total / secs).toFixed(0)} req/s`);
} finally {
  srv.child.kill('SIGTERM');
  await srv.exited;
  srv.cleanup();
}
