// Back ends for Nestbox in the side-by-side bench, each private to the run: FerretDB with its SQLite
// handler (as the tests run it), or FerretDB with its PostgreSQL handler on a PostgreSQL cluster
// created here (initdb into a temporary folder, a free port, its socket in the same folder), and a
// Redis of its own. stop() ends every process and removes every folder.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findFerretdb,
  freePort,
  startFerretdb,
  startRedis,
  waitForPort,
} from '../../test/helpers/test-services.ts';
import { runAs, stopChild } from './procs.ts';

export type BackendName = 'sqlite' | 'postgresql';

export interface Backend {
  name: BackendName;
  mongodbUri: string;
  redisUrl: string;
  stop(): Promise<void>;
}

/** BENCH_COMPARE_BACKENDS, comma-separated; both by default. */
export function selectedBackends(): BackendName[] {
  const raw = (process.env.BENCH_COMPARE_BACKENDS ?? 'sqlite,postgresql').split(',').map((s) => s.trim());
  const out: BackendName[] = [];
  for (const b of raw) {
    if (b === 'sqlite' || b === 'postgresql') out.push(b);
    else if (b) console.log(`BENCH_COMPARE_BACKENDS: ignoring unknown back end "${b}"`);
  }
  return out;
}

/** Debian's newest PostgreSQL server binaries folder. */
function postgresBin(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base)
    ? readdirSync(base)
        .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions.length) throw new Error(`no PostgreSQL server under ${base}: install Debian's postgresql`);
  return join(base, versions[0]!, 'bin');
}

export async function startBackend(name: BackendName): Promise<Backend> {
  const root = mkdtempSync(join(tmpdir(), `nestbox-bench-${name}-`));
  const children: ChildProcess[] = [];
  const cleanups: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    await Promise.all(children.map((c) => stopChild(c)));
    for (const c of cleanups.reverse()) await c();
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const redis = await startRedis(root);
    children.push(redis.child);
    let mongodbUri: string;
    if (name === 'sqlite') {
      const ferret = await startFerretdb(root);
      children.push(ferret.child);
      mongodbUri = ferret.uri;
    } else {
      const pg = await startPostgres(join(root, 'pg'));
      cleanups.push(pg.stop);
      mongodbUri = await startFerretdbPostgres(root, pg.url, children);
    }
    return { name, mongodbUri, redisUrl: redis.url, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * A PostgreSQL cluster in `dir`, listening on 127.0.0.1 and a socket in `dir`, with trust
 * authentication (loopback only) and a database `ferretdb`. PostgreSQL refuses to run as root, so
 * as root it runs as Debian's `postgres` user, which owns the folder.
 */
async function startPostgres(dir: string): Promise<{ url: string; stop: () => void }> {
  const bin = postgresBin();
  const as = process.getuid?.() === 0 ? 'postgres' : null;
  mkdirSync(dir, { mode: 0o700 });
  if (as) {
    chmodSync(join(dir, '..'), 0o711); // the postgres user passes through the run's folder
    const uid = Number(runAs(null, 'id', ['-u', as]).trim());
    const gid = Number(runAs(null, 'id', ['-g', as]).trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  runAs(as, join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  runAs(as, join(bin, 'pg_ctl'), [
    'start',
    '-w',
    '-D',
    data,
    '-l',
    join(dir, 'postgres.log'),
    '-o',
    `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir}`,
  ]);
  const stop = () => {
    try {
      runAs(as, join(bin, 'pg_ctl'), ['stop', '-w', '-m', 'fast', '-D', data]);
    } catch {
      // already stopped
    }
  };
  try {
    runAs(as, join(bin, 'createdb'), ['-h', dir, '-p', String(port), '-U', 'postgres', 'ferretdb']);
  } catch (err) {
    stop();
    throw err;
  }
  return { url: `postgres://postgres@127.0.0.1:${port}/ferretdb`, stop };
}

async function startFerretdbPostgres(dir: string, url: string, children: ChildProcess[]): Promise<string> {
  const port = await freePort();
  const child = spawn(
    findFerretdb(),
    [
      '--handler=postgresql',
      `--postgresql-url=${url}`,
      `--listen-addr=127.0.0.1:${port}`,
      '--debug-addr=-',
      '--telemetry=disable',
      `--state-dir=${dir}`,
      '--log-level=error',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  children.push(child);
  await waitForPort(port, 20_000, child);
  return `mongodb://127.0.0.1:${port}/`;
}
