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

export const start: ServiceStarter = async (ctx) => {
  const sessions = new Set<Session>();
  const recent = new RecentMarks(ctx.backends.redis);
  let closing = false;

  const accept = (socket: Socket | TLSSocket, tls: boolean) => {
    socket.on('error', () => undefined);
    if (closing) {
      socket.end('* BYE Server shutting down\r\n');
      return;
    }
    socket.setNoDelay(true);
    const session = new Session(socket, tls, {
      ctx,
      recent,
      commands: COMMANDS,
      onClose: (s) => sessions.delete(s),
    });
    sessions.add(session);
    void session.run();
  };

  const plain: Server = createServer((s) => accept(s, false));
  const secure = createTlsServer({ key: ctx.tls.key, cert: ctx.tls.cert }, (s) => accept(s, true));
  secure.on('tlsClientError', () => undefined);
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
  const stopLogout = await onLogoutRequest(subscriber, (req) => {
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
