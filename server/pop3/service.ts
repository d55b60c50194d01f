// POP3 service: `pop3` (plaintext with STLS) and `pop3s` (implicit TLS, RFC 8314) listeners.
// Sessions end when the user is logged out anywhere (Redis logout channel) and at shutdown.
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { Listener, ServiceStarter } from '../service.ts';
import { listen } from '../net.ts';
import { onLogoutRequest } from '../auth/logout.ts';
import { Connection } from './connection.ts';
import { Session, type Pop3Deps } from './session.ts';
import { CLOSE_GRACE_MS } from './limits.ts';
import { ConnectionCount } from '../connection-limits.ts';

export const start: ServiceStarter = async (ctx) => {
  const { config, log } = ctx;
  const deps: Pop3Deps = {
    config,
    store: ctx.store,
    auth: ctx.auth,
    redis: ctx.backends.redis,
    log,
    tls: ctx.tls,
  };
  const sessions = new Set<Session>();
  const limits = ctx.connectionLimits;
  const count = new ConnectionCount(limits.pop3);
  let closing = false;

  const refuse = (socket: Socket, text: string) => {
    socket.on('error', () => undefined);
    socket.end(`-ERR [SYS/TEMP] ${text}\r\n`); // RFC 3206 §4: temporary, try again later
    setTimeout(() => socket.destroy(), 2000).unref();
  };

  const accept = (socket: Socket, secure: boolean) => {
    if (closing) return refuse(socket, 'server shutting down, try again later');
    // ARCHITECTURE §6: connections per client address and in total
    const ip = socket.remoteAddress ?? '';
    const refused = count.admit(ip);
    if (refused) {
      const from = refused === 'ip' ? ' from your address' : '';
      return refuse(socket, `too many connections${from}, try again later`);
    }
    const session = new Session(deps, new Connection(socket, secure));
    sessions.add(session);
    // AUTHORIZATION lasts at most this long from connect, whatever is sent meanwhile; closed
    // without a response, as the autologout of RFC 1939 §3
    const prelogin = setTimeout(() => {
      if (session.state === 'authorization') session.conn.socket.destroy();
    }, limits.preloginTimeoutMs);
    prelogin.unref();
    void session.conn.ended.then(async () => {
      clearTimeout(prelogin);
      sessions.delete(session);
      count.release(ip);
      await session.finish(); // a dropped connection releases the lock and deletes nothing
    });
    void session.greet();
  };

  const plain = createServer((socket) => accept(socket, false));
  // a TLS handshake is part of the time before login
  const implicit = createTlsServer(
    { key: ctx.tls.key, cert: ctx.tls.cert, handshakeTimeout: limits.preloginTimeoutMs },
    (socket) => accept(socket, true),
  );
  implicit.on('tlsClientError', () => undefined);
  // a backstop behind the counts: Node closes sockets beyond this at once, unanswered
  for (const srv of [plain, implicit] as Server[]) srv.maxConnections = limits.pop3.total + 10;

  const subscriber = ctx.backends.newRedis();
  const unsubscribe = await onLogoutRequest(subscriber, ctx.store.keys, (req) => {
    for (const s of sessions) {
      if (s.user?.id === req.user) void s.kick('[AUTH] logged out');
    }
  });

  const host = config.host;
  const listeners: Listener[] = [];
  try {
    listeners.push({
      name: 'pop3',
      host,
      port: await listen(plain, config.ports.pop3, host),
      tls: 'starttls',
    });
    listeners.push({
      name: 'pop3s',
      host,
      port: await listen(implicit, config.ports.pop3s, host),
      tls: 'implicit',
    });
  } catch (err) {
    plain.close();
    implicit.close();
    await unsubscribe();
    subscriber.disconnect();
    throw err;
  }
  log.info({ listeners }, 'pop3 listening');

  return {
    name: 'pop3',
    listeners,
    async close() {
      closing = true;
      const stopped = Promise.all(
        [plain, implicit].map((srv) => new Promise<void>((r) => srv.close(() => r()))),
      );
      // idle sessions end now; a running command (RETR, the UPDATE of a QUIT) finishes first
      const deadline = Date.now() + CLOSE_GRACE_MS;
      while (sessions.size && Date.now() < deadline) {
        for (const s of sessions) if (!s.conn.busy) void s.kick('[SYS/TEMP] server shutting down');
        await new Promise((r) => setTimeout(r, 50));
      }
      for (const s of sessions) s.conn.socket.destroy();
      await stopped;
      await unsubscribe();
      subscriber.disconnect();
    },
  };
};
