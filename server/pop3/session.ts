// One POP3 session (RFC 1939): AUTHORIZATION → TRANSACTION → UPDATE. Commands are dispatched by
// state; deletions only happen in UPDATE, reached by QUIT — a dropped connection deletes nothing.
import type { Redis } from 'ioredis';
import type { Config } from '../config/index.ts';
import type { Logger } from '../log/logger.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import type { Store } from '../store/index.ts';
import type { TlsMaterial } from '../tls.ts';
import type { Connection } from './connection.ts';
import type { Maildrop } from './maildrop.ts';
import type { HeldLock } from '../store/index.ts';
import { MAX_BAD_COMMANDS } from './limits.ts';
import { authCommands } from './auth.ts';
import { mailCommands } from './mail.ts';

export interface Pop3Deps {
  config: Config;
  store: Store;
  auth: Authenticator;
  redis: Redis;
  log: Logger;
  tls: TlsMaterial;
}

export type Command = (s: Session, args: string) => Promise<void>;

export class Session {
  state: 'authorization' | 'transaction' | 'update' = 'authorization';
  user: { id: string; username: string } | null = null;
  drop: Maildrop | null = null;
  lock: HeldLock | null = null;
  /** Name given by USER, waiting for PASS. */
  pendingUser: string | null = null;
  /** An AUTH PLAIN waiting for its "+ " continuation response. */
  saslPending = false;
  authFailures = 0;
  private badCommands = 0;
  private kicked = false;

  constructor(
    readonly deps: Pop3Deps,
    readonly conn: Connection,
  ) {
    conn.onLine((line) => this.handle(line));
  }

  private logger: Logger | undefined;
  private loggedAs: string | undefined;

  /** The service's logger with this connection's protocol, client address and, once known, user. */
  get log(): Logger {
    const user = this.user?.username;
    if (!this.logger || this.loggedAs !== user) {
      this.logger = this.deps.log.child({
        protocol: 'pop3',
        remote: this.conn.remoteAddress,
        ...(user ? { user } : {}),
      });
      this.loggedAs = user;
    }
    return this.logger;
  }

  async greet(): Promise<void> {
    await this.conn.write('+OK Nestbox POP3 ready\r\n');
  }

  ok(text = ''): Promise<void> {
    return this.conn.write(`+OK${text ? ' ' + text : ''}\r\n`);
  }

  err(text: string): Promise<void> {
    return this.conn.write(`-ERR ${text}\r\n`);
  }

  private async handle(line: string): Promise<void> {
    if (this.conn.closed || this.state === 'update') return;
    try {
      if (this.saslPending) {
        this.saslPending = false;
        await authCommands.SASLRESPONSE!(this, line);
        return;
      }
      const sp = line.indexOf(' ');
      const name = (sp < 0 ? line : line.slice(0, sp)).toUpperCase();
      const args = sp < 0 ? '' : line.slice(sp + 1);
      const table = this.state === 'authorization' ? authCommands : mailCommands;
      const cmd = name === 'SASLRESPONSE' ? undefined : table[name];
      if (!cmd) {
        await this.bad(`unknown command or not allowed in this state: ${name.slice(0, 20)}`);
        return;
      }
      await cmd(this, args);
    } catch (err) {
      this.log.error({ err }, 'pop3: command failed');
      // RFC 3206 §4: a server-side problem, not the user's
      await this.err('[SYS/TEMP] internal error, try again later');
    }
  }

  async bad(text: string): Promise<void> {
    await this.err(text);
    if (++this.badCommands >= MAX_BAD_COMMANDS) {
      await this.err('too many bad commands, closing');
      this.conn.end();
    }
  }

  /** Releases the maildrop lock (at QUIT, or when the connection is gone). */
  async finish(): Promise<void> {
    const lock = this.lock;
    this.lock = null;
    await lock?.release();
  }

  /** Ends the session from outside (logout request, shutdown) without applying deletions. */
  async kick(reason: string): Promise<void> {
    if (this.conn.closed || this.kicked) return;
    this.kicked = true;
    if (!this.conn.busy) await this.err(reason);
    this.conn.end();
  }
}
