// Server-sent events: headers, one event at a time, keep-alive comments so proxies and browsers
// keep the stream open, and a close hook.
import type { Request, Response } from 'express';

export const KEEPALIVE_MS = 15_000;

export interface SseStream {
  send(event: string, data: unknown, id?: string): void;
  comment(text: string): void;
  readonly closed: boolean;
  onClose(fn: () => void): void;
}

export function openSse(req: Request, res: Response, keepAliveMs = KEEPALIVE_MS): SseStream {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('Connection', 'keep-alive');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  req.socket.setNoDelay(true);
  req.socket.setTimeout(0);
  let closed = false;
  const hooks: Array<() => void> = [];
  const timer = setInterval(() => stream.comment('keep-alive'), keepAliveMs);
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(timer);
    for (const h of hooks.splice(0)) {
      try {
        h();
      } catch {
        // a failing cleanup must not stop the others
      }
    }
  };
  res.on('close', close);
  const write = (text: string) => {
    if (!closed) res.write(text);
  };
  const stream: SseStream = {
    send(event, data, id) {
      const json = JSON.stringify(data);
      write(`${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${json}\n\n`);
    },
    comment(text) {
      write(`: ${text}\n\n`);
    },
    get closed() {
      return closed;
    },
    onClose(fn) {
      if (closed) fn();
      else hooks.push(fn);
    },
  };
  write('retry: 3000\n\n');
  return stream;
}
