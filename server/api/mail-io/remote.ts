// The running server of a data folder, reached through its API: `<data>/ports.json` names the API
// port, `<data>/admin-token` (or the configured token) opens it. Import and export go through it
// whenever it answers, so no second process touches the back ends it owns.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../user-error.ts';

export interface RemoteServer {
  base: string;
  token: string;
}

const PROBE_TIMEOUT_MS = 2000;
const EVENTS_READY_WAIT_MS = 3000;

/** The API's address from its bind address: a wildcard bind is reached on loopback. */
function reachable(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

export async function findRunningServer(
  dataDir: string,
  apiHost: string,
  adminToken?: string,
): Promise<RemoteServer | null> {
  let port: number | undefined;
  try {
    port = (JSON.parse(readFileSync(join(dataDir, 'ports.json'), 'utf8')) as { api?: number }).api;
  } catch {
    return null;
  }
  if (!port) return null;
  const base = `http://${reachable(apiHost)}:${port}`;
  try {
    const r = await fetch(`${base}/health`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    const body = (await r.json()) as { services?: unknown };
    if (!body.services) return null; // something else on that port
  } catch {
    return null;
  }
  const tokenFile = join(dataDir, 'admin-token');
  const token = adminToken ?? (existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : '');
  if (!token)
    throw new UserError(
      `a Nestbox server answers at ${base} but ${tokenFile} is missing; pass its admin token with --admin-token`,
    );
  return { base, token };
}

export async function call(server: RemoteServer, path: string, init: RequestInit = {}): Promise<Response> {
  const r = await fetch(server.base + path, {
    ...init,
    headers: { 'X-Access-Token': server.token, ...(init.headers as Record<string, string> | undefined) },
  });
  if (!r.ok) {
    let message = `${r.status} ${r.statusText}`;
    try {
      const body = (await r.json()) as { error?: string };
      if (body.error) message = body.error;
    } catch {
      // not JSON
    }
    throw new UserError(`the server refused ${path.split('?')[0]}: ${message}`);
  }
  return r;
}

export async function callJson<T>(server: RemoteServer, path: string, init: RequestInit = {}): Promise<T> {
  return (await (await call(server, path, init)).json()) as T;
}

/** Server-sent events of `/events`, until `stop()`; `onEvent` gets each event's name and data. */
export function listenEvents(
  server: RemoteServer,
  onEvent: (event: string, data: Record<string, unknown>) => void,
): { ready: Promise<void>; stop(): void } {
  const abort = new AbortController();
  let readyResolve!: () => void;
  // ready once subscribed, or after a while regardless: live counts are a nicety, not a condition
  const ready = new Promise<void>((r) => {
    readyResolve = r;
    setTimeout(r, EVENTS_READY_WAIT_MS).unref();
  });
  void (async () => {
    try {
      const r = await call(server, '/events?backlog=0', { signal: abort.signal });
      if (!r.body) return readyResolve();
      const decoder = new TextDecoder();
      let buf = '';
      for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          if (/^: subscribed$/m.test(block)) readyResolve();
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (!event || !data) continue;
          try {
            onEvent(event, JSON.parse(data) as Record<string, unknown>);
          } catch {
            // a line we do not read
          }
        }
      }
    } catch {
      readyResolve(); // no events: the import still runs, only without live counts
    }
  })();
  return { ready, stop: () => abort.abort() };
}
