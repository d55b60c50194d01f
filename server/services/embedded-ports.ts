// Embedded back ends keep their ports across restarts: the MongoDB replica set stores its member's
// host:port in its own configuration, so a new port on every start would need a reconfiguration.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

type Saved = { mongodb?: number; redis?: number };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

async function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

export async function embeddedPort(dataDir: string, which: keyof Saved): Promise<number> {
  const file = join(dataDir, 'embedded-ports.json');
  let saved: Saved = {};
  try {
    saved = JSON.parse(readFileSync(file, 'utf8')) as Saved;
  } catch {
    // first start: nothing saved yet
  }
  const previous = saved[which];
  if (previous && (await isFree(previous))) return previous;
  const port = await freePort();
  writeFileSync(file, JSON.stringify({ ...saved, [which]: port }, null, 2) + '\n');
  return port;
}
