// How many connections a service holds, in total and per client address, and how long a
// connection may stay unauthenticated (ARCHITECTURE §6). Defaults are in server/limits.ts.
import {
  IMAP_MAX_CONNECTIONS,
  IMAP_MAX_CONNECTIONS_PER_IP,
  POP3_MAX_CONNECTIONS,
  POP3_MAX_CONNECTIONS_PER_IP,
  PRELOGIN_TIMEOUT_MS,
} from './limits.ts';
import { clientKey } from './client-address.ts';

export interface ConnectionLimits {
  /** From connect to login, whatever the client sends meanwhile (IMAP and POP3). */
  preloginTimeoutMs: number;
  imap: { total: number; perIp: number };
  pop3: { total: number; perIp: number };
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  preloginTimeoutMs: PRELOGIN_TIMEOUT_MS,
  imap: { total: IMAP_MAX_CONNECTIONS, perIp: IMAP_MAX_CONNECTIONS_PER_IP },
  pop3: { total: POP3_MAX_CONNECTIONS, perIp: POP3_MAX_CONNECTIONS_PER_IP },
};

/** Open connections of one service in this process, by client address. */
export class ConnectionCount {
  private total = 0;
  private readonly byIp = new Map<string, number>();

  constructor(private readonly limits: { total: number; perIp: number }) {}

  /**
   * Counts a new connection from `ip`, or says why it is refused ('total' or 'ip'; then nothing is
   * counted). Every counted connection must be given back with `release` exactly once.
   */
  admit(ip: string): 'total' | 'ip' | null {
    const key = clientKey(ip);
    const mine = this.byIp.get(key) ?? 0;
    if (this.total >= this.limits.total) return 'total';
    if (mine >= this.limits.perIp) return 'ip';
    this.total++;
    this.byIp.set(key, mine + 1);
    return null;
  }

  release(ip: string): void {
    const key = clientKey(ip);
    const mine = this.byIp.get(key) ?? 0;
    if (mine <= 1) this.byIp.delete(key);
    else this.byIp.set(key, mine - 1);
    this.total = Math.max(0, this.total - 1);
  }
}
