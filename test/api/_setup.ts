// A running server with the API (and IMAP, for IDLE checks) plus helpers to make users.
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { Client } from './_client.ts';

export interface ApiEnv {
  srv: TestServer;
  port: number;
  admin: Client;
  anon: Client;
  newUser(
    name: string,
    extra?: Record<string, unknown>,
  ): Promise<{ id: string; username: string; password: string; token: string; client: Client }>;
  stop(): Promise<void>;
}

export async function startApi(
  opts: { services?: Array<'api' | 'imap'>; env?: Record<string, string> } = {},
): Promise<ApiEnv> {
  const srv = await startTestServer({
    services: opts.services ?? ['api'],
    ...(opts.env ? { env: opts.env } : {}),
  });
  const port = srv.ports.api!;
  const admin = new Client(port, srv.adminToken);
  const anon = admin.as(null);
  return {
    srv,
    port,
    admin,
    anon,
    async newUser(name, extra = {}) {
      const password = `pw-${name}-secret`;
      const r = await admin.post('/users', {
        username: name,
        password,
        address: `${name}@example.test`,
        ...extra,
      });
      if (r.status !== 200) throw new Error(`create user ${name}: ${r.status} ${r.text}`);
      const a = await anon.post('/authenticate', { username: name, password, token: true });
      if (a.status !== 200) throw new Error(`authenticate ${name}: ${a.status} ${a.text}`);
      return { id: r.body.id, username: name, password, token: a.body.token, client: admin.as(a.body.token) };
    },
    stop: () => srv.stop(),
  };
}
