// A tiny HTTP client for the API tests: real sockets, raw bodies, and a loopback source address of
// its own so failed logins here never throttle other test files (rate limits are per IP).
import { request } from 'node:http';

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  raw: Buffer;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface RequestOptions {
  token?: string | null;
  json?: unknown;
  body?: Buffer | string;
  headers?: Record<string, string>;
  localAddress?: string;
}

let nextIp = 2 + Math.floor(Math.random() * 200);
export const testIp = () => `127.1.${Math.floor(Math.random() * 250) + 1}.${(nextIp++ % 250) + 2}`;

export class Client {
  readonly ip = testIp();
  constructor(
    readonly port: number,
    readonly token: string | null = null,
  ) {}

  as(token: string | null): Client {
    const c = new Client(this.port, token);
    (c as { ip: string }).ip = this.ip;
    return c;
  }

  req(method: string, path: string, opts: RequestOptions = {}): Promise<HttpResponse> {
    const headers: Record<string, string> = { ...opts.headers };
    const token = opts.token === undefined ? this.token : opts.token;
    if (token) headers['X-Access-Token'] = token;
    let payload: Buffer | undefined;
    if (opts.json !== undefined) {
      payload = Buffer.from(JSON.stringify(opts.json));
      headers['Content-Type'] ??= 'application/json';
    } else if (opts.body !== undefined) {
      payload = Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body);
    }
    if (payload) headers['Content-Length'] = String(payload.length);
    return new Promise((resolve, reject) => {
      const r = request(
        {
          host: '127.0.0.1',
          port: this.port,
          method,
          path,
          headers,
          localAddress: opts.localAddress ?? this.ip,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const raw = Buffer.concat(chunks);
            const text = raw.toString('utf8');
            let body: unknown = undefined;
            if (String(res.headers['content-type'] ?? '').includes('json')) {
              try {
                body = JSON.parse(text);
              } catch {
                body = undefined;
              }
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, raw, text, body });
          });
        },
      );
      r.on('error', reject);
      if (payload) r.write(payload);
      r.end();
    });
  }

  get = (path: string, opts?: RequestOptions) => this.req('GET', path, opts);
  post = (path: string, json?: unknown, opts?: RequestOptions) => this.req('POST', path, { ...opts, json });
  put = (path: string, json?: unknown, opts?: RequestOptions) => this.req('PUT', path, { ...opts, json });
  del = (path: string, opts?: RequestOptions) => this.req('DELETE', path, opts);
}

/** Reads server-sent events until `until` says stop (or the timeout); returns what arrived. */
export interface SseEvent {
  id?: string;
  event: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data: any;
}

export function sse(
  port: number,
  path: string,
  opts: { token?: string; headers?: Record<string, string>; localAddress?: string },
): Promise<{
  events: SseEvent[];
  comments: string[];
  status: number;
  close(): void;
  wait(pred: (e: SseEvent[]) => boolean, ms?: number): Promise<SseEvent[]>;
}> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Accept: 'text/event-stream', ...opts.headers };
    if (opts.token) headers['X-Access-Token'] = opts.token;
    const events: SseEvent[] = [];
    const comments: string[] = [];
    const waiters = new Set<() => void>();
    const r = request(
      {
        host: '127.0.0.1',
        port,
        path,
        headers,
        ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
      },
      (res) => {
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          let i: number;
          while ((i = buf.indexOf('\n\n')) !== -1) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const e: SseEvent = { event: 'message', data: undefined };
            let data = '';
            let isEvent = false;
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) comments.push(line.slice(1).trim());
              else if (line.startsWith('id: ')) e.id = line.slice(4);
              else if (line.startsWith('event: ')) {
                e.event = line.slice(7);
                isEvent = true;
              } else if (line.startsWith('data: ')) {
                data += line.slice(6);
                isEvent = true;
              }
            }
            if (isEvent) {
              try {
                e.data = JSON.parse(data);
              } catch {
                e.data = data;
              }
              events.push(e);
            }
            for (const w of waiters) w();
          }
        });
        res.on('error', () => undefined);
        resolve({
          events,
          comments,
          status: res.statusCode ?? 0,
          close: () => r.destroy(),
          wait(pred, ms = 10_000) {
            return new Promise((res2, rej2) => {
              const check = () => {
                if (pred(events)) {
                  waiters.delete(check);
                  clearTimeout(t);
                  res2(events);
                }
              };
              const t = setTimeout(() => {
                waiters.delete(check);
                rej2(
                  new Error(
                    `timed out waiting for events; got ${JSON.stringify(events.map((x) => x.event))}`,
                  ),
                );
              }, ms);
              waiters.add(check);
              check();
            });
          },
        });
      },
    );
    r.on('error', reject);
    r.end();
  });
}
