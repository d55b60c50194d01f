// Where the dashboard lives and when it is ready: the server writes <dataDir>/ports.json once every
// service listens; the dashboard is ready when /health on the API port answers. No Electron import.
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

export type Ports = Record<string, number>;

export type { Health, ServiceStatus as HealthService } from '../server/api/health-shape.ts';
import type { Health } from '../server/api/health-shape.ts';

export interface Ready {
  ports: Ports;
  /** The dashboard's address, ending in '/'. */
  url: string;
  health: Health;
}

export function portsFile(dataDir: string): string {
  return join(dataDir, 'ports.json');
}

/** ports.json, when it exists, parses, and (with notBefore) was written after that time. */
export function readPorts(dataDir: string, notBefore?: number): Ports | undefined {
  const file = portsFile(dataDir);
  try {
    if (notBefore !== undefined && statSync(file).mtimeMs < notBefore) return undefined;
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (!parsed || typeof parsed !== 'object') return undefined;
    const ports: Ports = {};
    for (const [name, port] of Object.entries(parsed)) {
      if (typeof port === 'number' && Number.isInteger(port) && port > 0) ports[name] = port;
    }
    return ports;
  } catch {
    // Missing, or caught half-written: the caller polls again.
    return undefined;
  }
}

/** A ports.json left by an earlier run would point the window at a dead port. */
export function removeStalePorts(dataDir: string): void {
  rmSync(portsFile(dataDir), { force: true });
}

/** The API listens on loopback by default; the dashboard is always reached through it. */
export function dashboardUrl(ports: Ports): string | undefined {
  return ports.api ? `http://127.0.0.1:${ports.api}/` : undefined;
}

export function readAdminToken(dataDir: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.NESTBOX_ADMIN_TOKEN) return env.NESTBOX_ADMIN_TOKEN;
  const file = join(dataDir, 'admin-token');
  if (!existsSync(file)) return undefined;
  const token = readFileSync(file, 'utf8').trim();
  return token || undefined;
}

export interface WaitOptions {
  dataDir: string;
  /** Ignore a ports.json older than this (epoch ms). */
  notBefore?: number;
  timeoutMs?: number;
  intervalMs?: number;
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

/** Poll until ports.json exists and /health answers with JSON (200, or 503 when a back end is down). */
export async function waitForReady(opts: WaitOptions): Promise<Ready> {
  const doFetch = opts.fetch ?? fetch;
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  const interval = opts.intervalMs ?? 250;
  let lastProblem = 'ports.json has not been written yet';
  while (Date.now() < deadline) {
    opts.signal?.throwIfAborted();
    const ports = readPorts(opts.dataDir, opts.notBefore);
    const url = ports && dashboardUrl(ports);
    if (!ports) lastProblem = 'ports.json has not been written yet';
    else if (!url) lastProblem = 'ports.json names no api port';
    else {
      try {
        const res = await doFetch(new URL('health', url), {
          signal: AbortSignal.timeout(Math.max(1000, interval * 4)),
        });
        const body = (await res.json()) as Health;
        if (typeof body === 'object' && body !== null && 'success' in body)
          return { ports, url, health: body };
        lastProblem = `/health answered ${res.status} without a health report`;
      } catch (err) {
        lastProblem = `/health did not answer: ${(err as Error).message}`;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
  throw new Error(`the server did not become ready: ${lastProblem}`);
}

/**
 * The policy the window enforces on the dashboard: only its own scripts, styles and API, nothing
 * inline, no plugins, no framing.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Whether a URL is on the dashboard's own origin (navigation elsewhere goes to the system browser). */
export function isDashboardOrigin(candidate: string, dashboard: string): boolean {
  try {
    return new URL(candidate).origin === new URL(dashboard).origin;
  } catch {
    return false;
  }
}

/** A one-line tray status from the supervisor state and the latest health report. */
export function statusLine(state: string, health: Health | undefined): string {
  if (state === 'paused') return 'Services paused';
  if (state === 'waiting') return 'Server stopped unexpectedly; restarting…';
  if (state === 'stopping') return 'Stopping…';
  if (state === 'stopped') return 'Stopped';
  if (!health) return 'Starting…';
  if (!health.success) return `Problem: ${health.error ?? 'a back end does not answer'}`;
  const services = Object.entries(health.services ?? {}).map(([name, s]) => `${name} ${s.port}`);
  return services.length ? `Running — ${services.join(', ')}` : 'Running';
}
