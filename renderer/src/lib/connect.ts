// What a mail client needs for one account: host, ports, TLS and the user name.
import type { ServiceStatus } from './types.ts';
import { tlsLabel } from './format.ts';

export interface ClientSetting {
  protocol: 'IMAP' | 'POP3';
  service: string;
  host: string;
  port: number;
  security: string;
  username: string;
}

const WILDCARD = new Set(['0.0.0.0', '::', '', '[::]']);

/**
 * One row per IMAP/POP3 listener. A listener bound to every interface is reached by the name the
 * dashboard itself was opened with; a specific bind address is shown as it is.
 */
export function clientSettings(
  services: Record<string, ServiceStatus> | undefined,
  pageHost: string,
  username: string,
): ClientSetting[] {
  const rows: ClientSetting[] = [];
  for (const [name, s] of Object.entries(services ?? {})) {
    const protocol = name.startsWith('imap') ? 'IMAP' : name.startsWith('pop3') ? 'POP3' : undefined;
    if (!protocol || s.listening === false) continue;
    const host = WILDCARD.has(s.host) ? pageHost : s.host;
    rows.push({ protocol, service: name, host, port: s.port, security: tlsLabel(name, s.tls), username });
  }
  // IMAP before POP3, TLS ports first within each.
  const rank = (r: ClientSetting) => (r.protocol === 'IMAP' ? 0 : 2) + (r.security === 'SSL/TLS' ? 0 : 1);
  return rows.sort((a, b) => rank(a) - rank(b) || a.port - b.port);
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host);
}
