// The dashboard's static files. From a source checkout the built folder may be missing (a fresh
// clone) or older than renderer/ (a pull): `nestbox serve` then builds it in the background with the
// project's own vite, and until it is ready `/` answers a page that says what is happening or how
// to build it.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Request, type Response, type Router } from 'express';
import { PACKAGE_ROOT } from '../package-root.ts';
import type { Logger } from '../log/logger.ts';

const RENDERER = join(PACKAGE_ROOT, 'renderer');
export const DEFAULT_DASHBOARD_DIR = join(RENDERER, 'dist');
const VITE = join(PACKAGE_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');

/** Newest modification time of the renderer's sources (src/, public/, index.html, vite config). */
function newestSource(): number {
  let newest = 0;
  const visit = (path: string) => {
    let st;
    try {
      st = statSync(path);
    } catch {
      return;
    }
    if (st.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const part of ['src', 'public', 'index.html', 'vite.config.ts']) visit(join(RENDERER, part));
  return newest;
}

/** Why the folder must be (re)built, or null when it is current or there are no sources to build from. */
export function staleReason(dir: string): string | null {
  if (!existsSync(join(RENDERER, 'src'))) return null; // a packaged build ships only its dist
  const index = join(dir, 'index.html');
  if (!existsSync(index)) return `${dir} has no index.html`;
  return statSync(index).mtimeMs < newestSource() ? `${dir} is older than renderer/` : null;
}

type State = { kind: 'building'; reason: string } | { kind: 'failed'; why: string };

/** Builds in progress or failed in this process, by output folder. */
const builds = new Map<string, State>();

/**
 * Starts building the dashboard into `dir` when it is missing or stale (see staleReason); resolves
 * once it is built or the build failed (logged, and shown at `/`). `nestbox serve` calls this.
 */
export function buildDashboardIfStale(dir: string, log: Logger, signal?: AbortSignal): Promise<void> {
  const reason = staleReason(dir);
  if (!reason) return Promise.resolve();
  if (!existsSync(VITE)) {
    builds.set(dir, {
      kind: 'failed',
      why: `${reason}, and vite (a development dependency) is not installed: run <code>npm install</code> and <code>npm run build:renderer</code>, then reload.`,
    });
    log.warn(`dashboard not served: ${reason}; run npm install && npm run build:renderer`);
    return Promise.resolve();
  }
  builds.set(dir, { kind: 'building', reason });
  log.info(`building the dashboard (${reason})`);
  return new Promise((resolve) => {
    let output = '';
    const keep = (d: Buffer) => (output = (output + d.toString()).slice(-4000));
    const child = spawn(
      process.execPath,
      [VITE, 'build', '--config', join(RENDERER, 'vite.config.ts'), '--outDir', dir, '--emptyOutDir'],
      { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'pipe'], ...(signal ? { signal } : {}) },
    );
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const finish = (failure: string | null) => {
      if (builds.get(dir)?.kind !== 'building') return;
      if (failure) {
        builds.set(dir, {
          kind: 'failed',
          why: `building it failed (${failure}): run <code>npm run build:renderer</code> to see why, then reload.`,
        });
        log.error({ output }, `the dashboard could not be built (${failure}); run npm run build:renderer`);
      } else {
        builds.delete(dir);
        log.info(`dashboard built into ${dir}`);
      }
      resolve();
    };
    child.on('error', (err) => finish(signal?.aborted ? 'stopped' : err.message));
    child.on('exit', (code) => finish(code === 0 ? null : `vite exited with ${code}`));
  });
}

const page = (title: string, text: string, refresh: boolean) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Nestbox: ${title}</title>
${refresh ? '<meta http-equiv="refresh" content="3">' : ''}</head>
<body style="font-family: system-ui, sans-serif; max-width: 40em; margin: 4em auto">
<h1>Nestbox: ${title}</h1><p>${text}</p></body></html>
`;

/** The dashboard's files, and at `/` a page that says why they are missing and what to do. */
export function dashboardRouter(dir: string): Router {
  const router = express.Router();
  router.get(['/', '/index.html'], (_req: Request, res: Response, next) => {
    const state: State | undefined =
      builds.get(dir) ??
      (existsSync(join(dir, 'index.html'))
        ? undefined
        : {
            kind: 'failed',
            why: `${dir} has no index.html: run <code>npm run build:renderer</code>, then reload.`,
          });
    if (!state) return next();
    res.status(503).setHeader('Retry-After', '3').type('html');
    if (state.kind === 'building')
      res.send(
        page('the dashboard is being built', `${state.reason}; this page reloads when it is ready.`, true),
      );
    else res.send(page('the dashboard is not built', `The dashboard cannot be shown: ${state.why}`, false));
  });
  router.use(express.static(dir, { index: 'index.html' }));
  return router;
}
