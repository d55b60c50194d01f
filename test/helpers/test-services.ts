// Starts the real back ends the test suites talk to: redis-server and FerretDB (SQLite handler)
// on free loopback ports in temporary folders. Used by test/run.ts and by the benchmarks.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestServices {
  mongodbUri: string;
  redisUrl: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port: number, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`process exited with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** FERRETDB_BIN, then PATH, then $(go env GOPATH)/bin. */
export function findFerretdb(): string {
  if (process.env.FERRETDB_BIN) return process.env.FERRETDB_BIN;
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'ferretdb'))) return join(dir, 'ferretdb');
  }
  try {
    const gopath = execFileSync('go', ['env', 'GOPATH'], { encoding: 'utf8' }).trim();
    const bin = join(gopath, 'bin', 'ferretdb');
    if (existsSync(bin)) return bin;
  } catch {
    // no Go toolchain: fall through to the error below
  }
  throw new Error(
    'FerretDB not found: set FERRETDB_BIN, put ferretdb on PATH, or build it into $(go env GOPATH)/bin',
  );
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startRedis(dir: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(
    process.env.REDIS_SERVER_BIN ?? 'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  await waitForPort(port, 10_000, child);
  return { url: `redis://127.0.0.1:${port}`, child };
}

export async function startFerretdb(dir: string): Promise<{ uri: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(
    findFerretdb(),
    [
      '--handler=sqlite',
      `--sqlite-url=file:${dir}/`,
      `--listen-addr=127.0.0.1:${port}`,
      '--debug-addr=-',
      '--telemetry=disable',
      `--state-dir=${dir}`,
      '--log-level=error',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  await waitForPort(port, 20_000, child);
  return { uri: `mongodb://127.0.0.1:${port}/`, child };
}

export async function startTestServices(): Promise<TestServices> {
  const root = mkdtempSync(join(tmpdir(), 'nestbox-test-'));
  const started: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(started.map(stopChild));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    let redisUrl = process.env.REDIS_URL;
    if (!redisUrl) {
      const redis = await startRedis(root);
      started.push(redis.child);
      redisUrl = redis.url;
    }
    let mongodbUri = process.env.MONGODB_URI;
    if (!mongodbUri) {
      const ferret = await startFerretdb(root);
      started.push(ferret.child);
      mongodbUri = ferret.uri;
    }
    return { mongodbUri, redisUrl, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
