import { describe, expect, it, vi } from 'vitest';
import { Api, ApiError, errorMessage, type FetchFn } from '../../renderer/src/lib/api.ts';

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function client(respond: FetchFn, token: string | null = 'tok') {
  const calls: { url: string; init?: RequestInit }[] = [];
  const onUnauthorized = vi.fn();
  const api = new Api({
    token: () => token,
    onUnauthorized,
    fetch: (url, init) => {
      calls.push({ url, init });
      return respond(url, init);
    },
  });
  return { api, calls, onUnauthorized };
}

describe('Api', () => {
  it('sends the token header and JSON bodies', async () => {
    const { api, calls } = client(async () => json(200, { success: true, id: 'u1' }));
    await expect(api.createUser({ username: 'alice', password: 'pw123456' })).resolves.toMatchObject({
      id: 'u1',
    });
    const headers = calls[0]!.init!.headers as Record<string, string>;
    expect(calls[0]!.url).toBe('/users');
    expect(calls[0]!.init!.method).toBe('POST');
    expect(headers['X-Access-Token']).toBe('tok');
    expect(headers['Content-Type']).toBe('application/json');
    expect(JSON.parse(String(calls[0]!.init!.body))).toEqual({ username: 'alice', password: 'pw123456' });
  });

  it('builds list queries and normalises the page', async () => {
    const { api, calls } = client(async () =>
      json(200, { success: true, total: 41, results: [{ id: 'a', username: 'a' }], nextCursor: false }),
    );
    const page = await api.listUsers({ query: 'al ice', limit: 20, next: 'abc' });
    expect(calls[0]!.url).toBe('/users?query=al+ice&limit=20&next=abc');
    expect(page).toEqual({ total: 41, results: [{ id: 'a', username: 'a' }], nextCursor: undefined });
  });

  it('uses the server message for errors, with status and code', async () => {
    const { api } = client(async () =>
      json(400, { error: 'This username already exists', code: 'UserExists' }),
    );
    const err = await api.createUser({ username: 'a', password: 'b' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ message: 'This username already exists', status: 400, code: 'UserExists' });
  });

  it('explains a rejected token and tells the page', async () => {
    const { api, onUnauthorized } = client(async () =>
      json(401, { error: 'Invalid accessToken value', code: 'InvalidToken' }),
    );
    await expect(api.listUsers()).rejects.toThrow('The admin token was not accepted. Enter it again.');
    expect(onUnauthorized).toHaveBeenCalledOnce();
  });

  it('falls back to a sentence per status when the body is not JSON', async () => {
    const { api } = client(async () => new Response('<html>oops</html>', { status: 502 }));
    await expect(api.getUser('x')).rejects.toThrow('The server is not reachable right now.');
    const { api: api2 } = client(async () => new Response('nope', { status: 418 }));
    await expect(api2.deleteUser('x')).rejects.toThrow('DELETE /users/x failed (HTTP 418).');
  });

  it('reports an unreachable server and a non-JSON success', async () => {
    const { api } = client(async () => {
      throw new TypeError('fetch failed');
    });
    const err = await api.listUsers().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NetworkError', status: 0 });
    expect(errorMessage(err)).toBe('Cannot reach the Nestbox server. Check that it is running.');
    const { api: api2 } = client(async () => new Response('<!doctype html>', { status: 200 }));
    await expect(api2.listMailboxes('u')).rejects.toMatchObject({ code: 'BadResponse' });
  });

  it('treats success:false as an error', async () => {
    const { api } = client(async () =>
      json(200, { success: false, error: 'Quota too small', code: 'Invalid' }),
    );
    await expect(api.updateUser('u', { quota: 1 })).rejects.toThrow('Quota too small');
  });

  it('returns a 503 health report instead of throwing', async () => {
    const { api } = client(async () =>
      json(503, { success: false, mongodb: 'down', redis: 'ok', error: 'MongoDB: down' }),
    );
    await expect(api.health()).resolves.toMatchObject({ success: false, mongodb: 'down' });
  });

  it('reads the quota from WildDuck-style user details', async () => {
    const { api } = client(async () =>
      json(200, { success: true, id: 'u', username: 'u', limits: { quota: { allowed: 100, used: 5 } } }),
    );
    await expect(api.getUser('u')).resolves.toMatchObject({ quota: { allowed: 100, used: 5 } });
  });

  it('puts the token in the query where headers are impossible, and encodes paths', async () => {
    const { api, calls } = client(async () => json(200, { success: true }), 'a b&c');
    expect(api.eventsUrl()).toBe('/events?accessToken=a%20b%26c');
    expect(api.logDownloadUrl()).toBe('/logs/current?accessToken=a%20b%26c');
    expect(api.autoconfigUrl('a+b@example.com')).toBe(
      '/mail/config-v1.1.xml?emailaddress=a%2Bb%40example.com',
    );
    // the Apple profile route needs a token, unlike autoconfig
    expect(api.mobileconfigUrl('a@example.com')).toBe(
      '/mobileconfig?emailaddress=a%40example.com&accessToken=a%20b%26c',
    );
    await api.deleteAddress('u/1', 'x@example.com');
    expect(calls[0]!.url).toBe('/users/u%2F1/addresses/x%40example.com');
  });

  it('sends nested settings changes and reads the restart flags', async () => {
    const { api, calls } = client(async () => json(200, { success: true, restartRequired: ['ports.imap'] }));
    const r = await api.saveSettings({ 'ports.imap': 1144, logLevel: 'debug' });
    expect(JSON.parse(String(calls[0]!.init!.body))).toEqual({ ports: { imap: 1144 }, logLevel: 'debug' });
    expect(r.restartRequired).toEqual(['ports.imap']);
  });
});
