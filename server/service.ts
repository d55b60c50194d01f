// What every protocol service (IMAP, POP3, LMTP, API) gives the server: its listeners and a close
// that stops accepting, ends sessions politely and waits for in-flight writes.
import type { Config, ServiceName } from './config/index.ts';
import type { Logger } from './log/logger.ts';
import type { LogRing } from './log/ring.ts';
import type { Backends } from './services/backends.ts';
import type { Store } from './store/index.ts';
import type { Authenticator } from './auth/authenticator.ts';
import type { TlsMaterial } from './tls.ts';
import type { ConnectionLimits } from './connection-limits.ts';

export interface Listener {
  /** e.g. 'imap', 'imaps', 'api' — the key in ports.json */
  name: string;
  host: string;
  port: number;
  tls: 'none' | 'starttls' | 'implicit';
}

export interface RunningService {
  name: ServiceName;
  listeners: Listener[];
  close(): Promise<void>;
}

export interface ServiceContext {
  config: Config;
  log: Logger;
  ring: LogRing;
  backends: Backends;
  /** The mail store: the only way any service reads or writes mail, users and mailboxes. */
  store: Store;
  /** Login for every protocol: rate limits, password/ASP check, auth log, live auth events. */
  auth: Authenticator;
  /** Key + certificate for implicit-TLS ports and STARTTLS/STLS. */
  tls: TlsMaterial;
  adminToken: string;
  /** IMAP/POP3 connection limits and the pre-login timeout. */
  connectionLimits: ConnectionLimits;
  startedAt: Date;
  /** Current listeners of every running service (for /health and the dashboard). */
  listeners(): Listener[];
}

export type ServiceStarter = (ctx: ServiceContext) => Promise<RunningService>;
