// A running server with the IMAP service and a user, for the IMAP tests.
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { RawImap } from './_client.ts';

export interface ImapTestEnv {
  srv: TestServer;
  port: number;
  tlsPort: number;
  user: { id: string; username: string; password: string; address: string };
  /** The loopback address this file's raw connections come from (own rate-limit bucket). */
  ip: string;
  /** A connection that is logged in, greeting and login consumed. */
  login(opts?: { username?: string }): Promise<RawImap>;
  /** A new connection, greeting consumed. */
  open(): Promise<RawImap>;
  newUser(name: string): Promise<{ id: string; username: string; password: string; address: string }>;
}

let nextIp = 2 + Math.floor(Math.random() * 200);

export async function startImap(env: Record<string, string> = {}): Promise<ImapTestEnv> {
  const ip = `127.0.${Math.floor(Math.random() * 250) + 1}.${(nextIp++ % 250) + 2}`;
  const srv = await startTestServer({ services: ['imap'], env });
  const newUser = async (name: string) => {
    const password = `pw-${name}-secret`;
    const address = `${name}@example.test`;
    const info = await srv.store.users.create({ username: name, password, address });
    return { id: info.id, username: name, password, address };
  };
  const user = await newUser('alice');
  const port = srv.ports.imap!;
  return {
    srv,
    port,
    tlsPort: srv.ports.imaps!,
    user,
    newUser,
    ip,
    async open() {
      const c = await RawImap.open(port, { localAddress: ip });
      await c.response();
      return c;
    },
    async login(opts = {}) {
      const c = await RawImap.open(port, { localAddress: ip });
      await c.response();
      const name = opts.username ?? user.username;
      const r = await c.command('L0', `LOGIN ${name} pw-${name}-secret`);
      if (!r[r.length - 1]!.startsWith('L0 OK')) throw new Error(`login failed: ${r.join('\n')}`);
      return c;
    },
  };
}
