// Where the admin token comes from: the desktop app's preload bridge, or (in a browser) the person,
// once per tab, kept in sessionStorage so it is gone when the tab closes.

export interface NestboxBridge {
  adminToken(): Promise<string | null>;
  dataFolder(): Promise<string | null>;
  openDataFolder(): Promise<void>;
}

declare global {
  interface Window {
    nestbox?: NestboxBridge;
  }
}

const KEY = 'nestbox.adminToken';

export function bridge(): NestboxBridge | undefined {
  return typeof window !== 'undefined' ? window.nestbox : undefined;
}

export async function initialToken(): Promise<string | null> {
  const b = bridge();
  if (b) {
    try {
      const t = await b.adminToken();
      if (t) return t;
    } catch {
      // fall back to asking
    }
  }
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function rememberToken(token: string): void {
  try {
    sessionStorage.setItem(KEY, token);
  } catch {
    // storage disabled: the token lives only in memory for this page
  }
}

export function forgetToken(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // nothing stored
  }
}
