// Hash routes: #/overview, #/accounts, #/accounts/<id>, #/activity, #/logs, #/connect, #/settings.

export type Page = 'overview' | 'accounts' | 'activity' | 'logs' | 'connect' | 'settings';

export const PAGES: readonly { page: Page; label: string }[] = [
  { page: 'overview', label: 'Overview' },
  { page: 'accounts', label: 'Accounts' },
  { page: 'activity', label: 'Activity' },
  { page: 'logs', label: 'Logs' },
  { page: 'connect', label: 'Connect a client' },
  { page: 'settings', label: 'Settings' },
];

export interface Route {
  page: Page;
  /** The account id on #/accounts/<id> and #/connect/<id>. */
  id?: string;
}

export function parseHash(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  const page = PAGES.find((p) => p.page === parts[0])?.page ?? 'overview';
  const id = parts[1] ? decodeURIComponent(parts[1]) : undefined;
  return id && (page === 'accounts' || page === 'connect') ? { page, id } : { page };
}

export function href(page: Page, id?: string): string {
  return `#/${page}${id ? `/${encodeURIComponent(id)}` : ''}`;
}
