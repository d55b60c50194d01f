// The one place that knows the HTTP API: paths, the token header, response shapes, and how
// failures become sentences a person can act on. No DOM dependency (tests run it under Node).
import type {
  Address,
  AppPassword,
  DeliveryStats,
  Health,
  Mailbox,
  NewAppPassword,
  NewUser,
  SaveSettingsResult,
  SettingEntry,
  UserChanges,
  UserDetails,
  UserList,
} from './types.ts';
import { normalizeSettings, nestSettings } from './settings.ts';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(message: string, status: number, code: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

export type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;

export interface ApiOptions {
  /** Prefix for every path; '' = the page's own origin (the API serves the dashboard). */
  base?: string;
  token: () => string | null | undefined;
  fetch?: FetchFn;
  /** Called when the server rejects the token, so the page can ask for it again. */
  onUnauthorized?: () => void;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'The server did not accept the request.',
  401: 'The admin token was not accepted. Enter it again.',
  403: 'This token is not allowed to do that.',
  404: 'Not found. It may have been deleted.',
  409: 'That already exists.',
  413: 'That is too large for the server.',
  429: 'Too many requests. Wait a moment and try again.',
  500: 'The server hit an internal error. The Logs page has the details.',
  502: 'The server is not reachable right now.',
  503: 'The server is unavailable: a back end (MongoDB or Redis) is not answering.',
  504: 'The server took too long to answer.',
};

/** A readable sentence for any error thrown while talking to the server. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message || String(err);
  return String(err);
}

/** Turn a non-2xx response (or a 2xx with success:false) into an ApiError. */
export async function toApiError(res: Response, what: string): Promise<ApiError> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  const obj = (body && typeof body === 'object' ? body : {}) as { error?: unknown; code?: unknown };
  const code =
    typeof obj.code === 'string' && obj.code
      ? obj.code
      : res.status === 401
        ? 'Unauthorized'
        : `HTTP${res.status}`;
  const fallback = STATUS_TEXT[res.status] ?? `${what} failed (HTTP ${res.status}).`;
  // 401 keeps the fixed sentence: it tells the person what to do about it.
  const message =
    res.status !== 401 && typeof obj.error === 'string' && obj.error.trim() ? obj.error.trim() : fallback;
  return new ApiError(message, res.status, code);
}

export class Api {
  private readonly base: string;
  private readonly opts: ApiOptions;
  private readonly doFetch: FetchFn;

  constructor(opts: ApiOptions) {
    this.opts = opts;
    this.base = (opts.base ?? '').replace(/\/$/, '');
    this.doFetch = opts.fetch ?? ((input, init) => fetch(input, init));
  }

  async request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const what = `${method} ${path.split('?')[0]}`;
    const headers: Record<string, string> = { Accept: 'application/json' };
    const token = this.opts.token();
    if (token) headers['X-Access-Token'] = token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res: Response;
    try {
      res = await this.doFetch(this.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch (err) {
      if ((err as Error)?.name === 'AbortError')
        throw new ApiError('The request was cancelled.', 0, 'Aborted');
      throw new ApiError('Cannot reach the Nestbox server. Check that it is running.', 0, 'NetworkError');
    }
    if (!res.ok) {
      const error = await toApiError(res, what);
      if (res.status === 401) this.opts.onUnauthorized?.();
      throw error;
    }
    if (res.status === 204) return { success: true } as T;
    let data: unknown;
    try {
      data = await res.json();
    } catch {
      throw new ApiError(
        `The server gave an unexpected answer to ${what} (not JSON).`,
        res.status,
        'BadResponse',
      );
    }
    const obj = data as { success?: unknown; error?: unknown; code?: unknown };
    if (obj && typeof obj === 'object' && obj.success === false && typeof obj.error === 'string') {
      throw new ApiError(obj.error, res.status, typeof obj.code === 'string' ? obj.code : 'Failed');
    }
    return data as T;
  }

  /** /health answers 503 with a full report when a back end is down; that report is still shown. */
  async health(signal?: AbortSignal): Promise<Health> {
    let res: Response;
    try {
      res = await this.doFetch(`${this.base}/health`, { headers: { Accept: 'application/json' }, signal });
    } catch {
      throw new ApiError('Cannot reach the Nestbox server. Check that it is running.', 0, 'NetworkError');
    }
    try {
      const body = (await res.json()) as Health;
      if (body && typeof body === 'object' && 'success' in body) return body;
    } catch {
      // fall through
    }
    throw await toApiError(res, 'GET /health');
  }

  /** Deliveries counted by the server: in total, today and per minute for the last 30 minutes. */
  deliveryStats(): Promise<DeliveryStats> {
    return this.request<DeliveryStats>('GET', '/stats/deliveries?minutes=30');
  }

  listUsers(params: { query?: string; limit?: number; next?: string } = {}): Promise<UserList> {
    const q = new URLSearchParams();
    if (params.query) q.set('query', params.query);
    q.set('limit', String(params.limit ?? 20));
    if (params.next) q.set('next', params.next);
    return this.request<UserList>('GET', `/users?${q}`).then((r) => ({
      total: r.total ?? r.results?.length ?? 0,
      results: r.results ?? [],
      nextCursor: r.nextCursor || undefined,
    }));
  }

  async getUser(id: string): Promise<UserDetails> {
    const r = await this.request<UserDetails & { limits?: { quota?: { allowed: number; used: number } } }>(
      'GET',
      `/users/${enc(id)}`,
    );
    // WildDuck nests the quota under limits; the list route has it at the top.
    return { ...r, quota: r.quota ?? r.limits?.quota };
  }

  createUser(user: NewUser): Promise<{ id: string }> {
    return this.request('POST', '/users', user);
  }

  updateUser(id: string, changes: UserChanges): Promise<unknown> {
    return this.request('PUT', `/users/${enc(id)}`, changes);
  }

  deleteUser(id: string): Promise<unknown> {
    return this.request('DELETE', `/users/${enc(id)}`);
  }

  async listAddresses(id: string): Promise<Address[]> {
    return (await this.request<{ results?: Address[] }>('GET', `/users/${enc(id)}/addresses`)).results ?? [];
  }

  addAddress(id: string, address: string, main = false): Promise<unknown> {
    return this.request('POST', `/users/${enc(id)}/addresses`, main ? { address, main } : { address });
  }

  deleteAddress(id: string, address: string): Promise<unknown> {
    return this.request('DELETE', `/users/${enc(id)}/addresses/${enc(address)}`);
  }

  async listMailboxes(id: string): Promise<Mailbox[]> {
    const r = await this.request<{ results?: Mailbox[] }>('GET', `/users/${enc(id)}/mailboxes?counters=true`);
    return r.results ?? [];
  }

  async listAppPasswords(id: string): Promise<AppPassword[]> {
    return (await this.request<{ results?: AppPassword[] }>('GET', `/users/${enc(id)}/asps`)).results ?? [];
  }

  createAppPassword(id: string, description: string, scopes: string[]): Promise<NewAppPassword> {
    return this.request('POST', `/users/${enc(id)}/asps`, { description, scopes });
  }

  deleteAppPassword(id: string, asp: string): Promise<unknown> {
    return this.request('DELETE', `/users/${enc(id)}/asps/${enc(asp)}`);
  }

  async getSettings(): Promise<SettingEntry[]> {
    return normalizeSettings(await this.request<unknown>('GET', '/settings'));
  }

  /** Sends only the changed keys, nested the way the config file nests them. */
  async saveSettings(changes: Record<string, unknown>): Promise<SaveSettingsResult> {
    const r = await this.request<{ restartRequired?: unknown; requiresRestart?: unknown }>(
      'PUT',
      '/settings',
      nestSettings(changes),
    );
    const flag = r?.restartRequired ?? r?.requiresRestart;
    if (Array.isArray(flag)) return { restartRequired: flag.map(String) };
    return { restartRequired: flag === true ? Object.keys(changes) : [] };
  }

  /** EventSource cannot send headers, so the stream takes the token in the query. */
  eventsUrl(): string {
    return this.withToken('/events');
  }

  logDownloadUrl(): string {
    return this.withToken('/logs/current');
  }

  autoconfigUrl(email: string): string {
    return `${this.base}/mail/config-v1.1.xml?emailaddress=${enc(email)}`;
  }

  /** The profile needs a token (unlike autoconfig), and a download link cannot send a header. */
  mobileconfigUrl(email: string): string {
    return this.withToken(`/mobileconfig?emailaddress=${enc(email)}`);
  }

  private withToken(path: string): string {
    const token = this.opts.token();
    if (!token) return `${this.base}${path}`;
    return `${this.base}${path}${path.includes('?') ? '&' : '?'}accessToken=${enc(token)}`;
  }
}

function enc(s: string): string {
  return encodeURIComponent(s);
}
