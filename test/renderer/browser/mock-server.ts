// Serves renderer/dist/ with the desktop window's CSP header and a small in-memory stand-in for the
// API (the shapes the dashboard is written against), so the built page can be looked at in a browser.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTENT_SECURITY_POLICY } from '../../../main/lifecycle.ts';

export const TOKEN = 'test-admin-token-0123456789';
const dist = fileURLToPath(new URL('../../../renderer/dist/', import.meta.url));
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

const GB = 1024 ** 3;
const users = [
  {
    id: 'u1',
    username: 'alice',
    name: 'Alice Martin',
    address: 'alice@home.example',
    quota: { allowed: 2 * GB, used: 0.62 * GB },
    disabled: false,
  },
  {
    id: 'u2',
    username: 'bob',
    name: 'Bob Martin',
    address: 'bob@home.example',
    quota: { allowed: 1 * GB, used: 0.91 * GB },
    disabled: false,
  },
  {
    id: 'u3',
    username: 'carol',
    name: 'Carol',
    address: 'carol@home.example',
    quota: { allowed: 5 * GB, used: 0.05 * GB },
    disabled: true,
  },
  {
    id: 'u4',
    username: 'scanner',
    name: 'Office scanner',
    address: 'scan@home.example',
    quota: { allowed: 0, used: 12_000_000 },
    disabled: false,
  },
];

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function api(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
  const path = url.pathname;
  if (path === '/health') {
    send(res, 200, {
      success: true,
      mongodb: 'ok',
      redis: 'ok',
      uptime: 93_784,
      backend: 'embedded',
      services: {
        imap: { listening: true, host: '0.0.0.0', port: 1143, tls: false },
        imaps: { listening: true, host: '0.0.0.0', port: 1993, tls: true },
        pop3: { listening: true, host: '0.0.0.0', port: 1110, tls: false },
        lmtp: { listening: true, host: '127.0.0.1', port: 2424, tls: false },
        api: { listening: true, host: '127.0.0.1', port: 8080, tls: false },
      },
    });
    return true;
  }
  if (path === '/stats/deliveries') {
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    const perMinute = Array.from({ length: 30 }, (_, i) => {
      const lmtp = (i * 7) % 5;
      return { start: now - (29 - i) * 60_000, lmtp, imap: i % 3 === 0 ? 1 : 0, api: 0, total: 0 };
    }).map((m) => ({ ...m, total: m.lmtp + m.imap + m.api }));
    send(res, 200, {
      success: true,
      total: { lmtp: 1520, imap: 88, api: 12, total: 1620 },
      today: { lmtp: 64, imap: 5, api: 1, total: 70 },
      perMinute,
    });
    return true;
  }
  const known = /^\/(users|events|settings|logs)/.test(path);
  if (!known) return false;
  const token = req.headers['x-access-token'] ?? url.searchParams.get('accessToken');
  if (token !== TOKEN) {
    send(res, 401, { error: 'Invalid accessToken value', code: 'InvalidToken' });
    return true;
  }
  if (path === '/events') {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const now = Date.now();
    const events: [string, unknown][] = [];
    for (let i = 0; i < 40; i++) {
      const t = now - Math.floor(Math.random() * 28 * 60_000);
      events.push([
        'journal',
        { time: t, user: 'u1', username: 'alice', mailbox: 'INBOX', command: 'EXISTS', uid: 100 + i },
      ]);
    }
    events.sort((a, b) => (a[1] as { time: number }).time - (b[1] as { time: number }).time);
    events.push([
      'journal',
      {
        time: now,
        user: 'u2',
        username: 'bob',
        mailbox: 'INBOX',
        command: 'FETCH',
        uid: 7,
        flags: ['\\Seen'],
      },
    ]);
    events.push([
      'journal',
      { time: now, user: 'u2', username: 'bob', mailbox: 'Trash', command: 'EXPUNGE', uid: 3 },
    ]);
    events.push([
      'auth',
      {
        type: 'auth',
        time: new Date(now).toISOString(),
        user: 'u2',
        login: 'bob',
        result: 'failure',
        protocol: 'imap',
        ip: '192.168.1.23',
      },
    ]);
    events.push(['log', { time: now - 5000, level: 30, msg: 'Nestbox is ready' }]);
    events.push([
      'log',
      { time: now - 4000, level: 40, msg: 'authentication failed for bob from 192.168.1.23' },
    ]);
    events.push(['log', { time: now - 3000, level: 20, msg: 'journal pruned: 12 entries' }]);
    events.push([
      'log',
      { time: now - 2000, level: 50, msg: 'LMTP delivery rejected: quota exceeded for bob' },
    ]);
    for (const [name, data] of events) res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    const timer = setInterval(() => {
      res.write(
        `event: log\ndata: ${JSON.stringify({ time: Date.now(), level: 30, msg: 'IMAP session opened' })}\n\n`,
      );
    }, 1000);
    req.on('close', () => clearInterval(timer));
    return true;
  }
  if (path === '/settings') {
    send(res, 200, {
      success: true,
      settings: [
        {
          key: 'services',
          value: ['imap', 'pop3', 'lmtp', 'api'],
          kind: 'list',
          help: 'services to run',
          restartRequired: true,
        },
        {
          key: 'ports.imap',
          value: 1143,
          kind: 'number',
          help: 'IMAP (STARTTLS) port',
          restartRequired: true,
        },
        {
          key: 'ports.api',
          value: 8080,
          kind: 'number',
          help: 'HTTP API and dashboard port',
          restartRequired: true,
        },
        { key: 'logLevel', value: 'info', kind: 'string', help: 'fatal, error, warn, info, debug or trace' },
        { key: 'adminToken', value: null, kind: 'string', help: 'API admin token', secret: true },
        { key: 'pop3Delete', value: 'delete', kind: 'string', help: 'what POP3 DELE does: delete or trash' },
        {
          key: 'dataDir',
          value: '/home/alice/.config/Nestbox',
          kind: 'string',
          help: 'data folder',
          readOnly: true,
        },
      ],
    });
    return true;
  }
  const m = /^\/users(?:\/([^/]+)(?:\/(\w+))?)?$/.exec(path);
  if (!m) {
    send(res, 404, { error: `no route for ${req.method} ${path}`, code: 'NotFound' });
    return true;
  }
  const [, id, sub] = m;
  if (!id) {
    const q = (url.searchParams.get('query') ?? '').toLowerCase();
    const results = users.filter(
      (u) => !q || `${u.username} ${u.name} ${u.address}`.toLowerCase().includes(q),
    );
    send(res, 200, { success: true, total: results.length, results, nextCursor: false });
    return true;
  }
  const user = users.find((u) => u.id === id);
  if (!user) send(res, 404, { error: 'This user does not exist', code: 'UserNotFound' });
  else if (!sub) send(res, 200, { success: true, ...user });
  else if (sub === 'addresses')
    send(res, 200, {
      success: true,
      results: [
        { id: 'a1', address: user.address, main: true },
        { id: 'a2', address: `${user.username}.martin@home.example`, main: false },
      ],
    });
  else if (sub === 'mailboxes')
    send(res, 200, {
      success: true,
      results: [
        {
          id: 'm1',
          name: 'INBOX',
          path: 'INBOX',
          specialUse: '\\Inbox',
          subscribed: true,
          total: 1284,
          unseen: 12,
          size: 512 * 1024 ** 2,
        },
        {
          id: 'm2',
          name: 'Sent',
          path: 'Sent',
          specialUse: '\\Sent',
          subscribed: true,
          total: 311,
          unseen: 0,
          size: 88 * 1024 ** 2,
        },
        {
          id: 'm3',
          name: 'Trash',
          path: 'Trash',
          specialUse: '\\Trash',
          subscribed: true,
          total: 20,
          unseen: 3,
          size: 1_200_000,
        },
        {
          id: 'm4',
          name: 'Receipts',
          path: 'Archive/Receipts',
          subscribed: false,
          total: 57,
          unseen: 0,
          size: 9_400_000,
        },
      ],
    });
  else if (sub === 'asps')
    send(res, 200, {
      success: true,
      results: [
        { id: 'p1', description: 'Phone', scopes: ['*'], lastUse: { time: new Date().toISOString() } },
      ],
    });
  else send(res, 404, { error: 'not found', code: 'NotFound' });
  return true;
}

export function startMockServer(port = 0): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (api(req, res, url)) return;
    const rel = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '');
    let file = join(dist, rel || 'index.html');
    if (!file.startsWith(dist) || !existsSync(file) || statSync(file).isDirectory())
      file = join(dist, 'index.html');
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': CONTENT_SECURITY_POLICY,
    });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) =>
    server.listen(port, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` }),
    ),
  );
}
