// The IMAP service: a STARTTLS listener and an implicit-TLS listener (RFC 8314), one Session per
// connection, "log this user out" requests from Redis, and a graceful close.
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { ServiceStarter } from '../service.ts';
import { listen } from '../net.ts';
import { onLogoutRequest } from '../auth/logout.ts';
import { Session } from './session.ts';
import { RecentMarks } from './recent.ts';
import { COMMANDS } from './commands/index.ts';
import { SHUTDOWN_GRACE_MS } from './limits.ts';
import { ConnectionCount } from '../connection-limits.ts';

export const start: ServiceStarter = async (ctx) => {
  const sessions = new Set<Session>();
  const recent = new RecentMarks(ctx.backends.redis, ctx.store.keys);
  const limits = ctx.connectionLimits;
  const count = new ConnectionCount(limits.imap);
  let closing = false;

  const accept = (socket: Socket | TLSSocket, tls: boolean) => {
    socket.on('error', () => undefined);
    if (closing) {
      socket.end('* BYE Server shutting down\r\n');
      return;
    }
    // ARCHITECTURE §6: connections per client address and in total; RFC 3501 §7.1.5 BYE, RFC 5530
    const ip = socket.remoteAddress ?? '';
    const refused = count.admit(ip);
    if (refused) {
      const from = refused === 'ip' ? ' from your address' : '';
      socket.end(`* BYE [UNAVAILABLE] Too many connections${from}; try again later\r\n`);
      setTimeout(() => socket.destroy(), 2000).unref();
      return;
    }
    socket.setNoDelay(true);
    const session = new Session(socket, tls, {
      ctx,
      recent,
      commands: COMMANDS,
      onClose: (s) => {
        sessions.delete(s);
        count.release(ip);
      },
    });
    sessions.add(session);
    void session.run();
  };

  const plain: Server = createServer((s) => accept(s, false));
  // a TLS handshake is part of the time before login
  const secure = createTlsServer(
    { key: ctx.tls.key, cert: ctx.tls.cert, handshakeTimeout: limits.preloginTimeoutMs },
    (s) => accept(s, true),
  );
  secure.on('tlsClientError', () => undefined);
  // a backstop behind the counts: Node closes sockets beyond this at once, unanswered
  for (const srv of [plain, secure] as Server[]) srv.maxConnections = limits.imap.total + 10;
  const host = ctx.config.host;
  const port = await listen(plain, ctx.config.ports.imap, host);
  let securePort: number;
  try {
    securePort = await listen(secure, ctx.config.ports.imaps, host);
  } catch (err) {
    plain.close();
    throw err;
  }

  // "log this user out everywhere": every process hears it on its own subscriber connection
  const subscriber = ctx.backends.newRedis();
  subscriber.on('error', () => undefined);
  const stopLogout = await onLogoutRequest(subscriber, ctx.store.keys, (req) => {
    for (const s of sessions) {
      if (s.user?.user === req.user) void s.shutdown(req.reason || 'Logged out');
    }
  });

  return {
    name: 'imap',
    listeners: [
      { name: 'imap', host, port, tls: 'starttls' },
      { name: 'imaps', host, port: securePort, tls: 'implicit' },
    ],
    async close() {
      closing = true;
      const stopped = Promise.all([
        new Promise<void>((r) => plain.close(() => r())),
        new Promise<void>((r) => secure.close(() => r())),
      ]);
      // BYE now to sessions between commands; after their command to the others
      const ended = Promise.all([...sessions].map((s) => s.shutdown()));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        ended,
        new Promise<void>((r) => {
          timer = setTimeout(r, SHUTDOWN_GRACE_MS);
        }),
      ]);
      clearTimeout(timer);
      for (const s of sessions) s.end();
      await stopped;
      await stopLogout();
      subscriber.disconnect();
    },
  };
};
