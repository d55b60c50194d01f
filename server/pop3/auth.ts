// AUTHORIZATION state: CAPA (RFC 2449), USER/PASS (RFC 1939 §7), AUTH PLAIN (RFC 5034, RFC 4616),
// STLS (RFC 2595 §4), QUIT. Response codes per RFC 2449 §8 and RFC 3206.
import { isIP } from 'node:net';
import type { Command, Session } from './session.ts';
import { Maildrop } from './maildrop.ts';
import { lockName } from '../store/index.ts';
import { MAX_AUTH_FAILURES } from './limits.ts';

function isLoopback(ip: string): boolean {
  const v = ip.replace(/^::ffff:/i, '');
  return v === '::1' || (isIP(v) === 4 && v.startsWith('127.'));
}

/** Plaintext logins before TLS follow `config.plaintextAuth` (RFC 2595 §2.1: clients should not send them in the clear). */
export function plaintextAllowed(s: Session): boolean {
  if (s.conn.secure) return true;
  const policy = s.deps.config.plaintextAuth;
  return policy === 'always' || (policy === 'loopback' && isLoopback(s.conn.remoteAddress));
}

export function capabilities(s: Session): string[] {
  const caps = ['TOP', 'UIDL'];
  if (s.state === 'authorization' && plaintextAllowed(s)) caps.push('USER', 'SASL PLAIN');
  caps.push('RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING');
  if (s.state === 'authorization' && !s.conn.secure) caps.push('STLS');
  caps.push('IMPLEMENTATION Nestbox');
  return caps;
}

export const CAPA: Command = async (s) => {
  await s.conn.write(['+OK Capability list follows', ...capabilities(s), '.', ''].join('\r\n'));
};

const refusePlaintext = (s: Session) =>
  s.err('[AUTH] plaintext authentication is not allowed before STLS on this connection');

/** Checks credentials, takes the maildrop lock and opens the maildrop. */
async function login(s: Session, login: string, password: string): Promise<void> {
  const outcome = await s.deps.auth.login({
    login,
    password,
    scope: 'pop3',
    protocol: 'pop3',
    ip: s.conn.remoteAddress,
  });
  if (!outcome.ok) {
    if (outcome.reason === 'throttled') {
      // RFC 3206 §4 SYS/TEMP: temporary, not a credentials problem; the client should retry later
      // rather than ask for a new password (LOGIN-DELAY, RFC 2449 §8.1.1, is about logging in too often)
      await s.err(`[SYS/TEMP] too many failed logins, try again in ${Math.ceil(outcome.retryAfter)} seconds`);
    } else {
      await s.err('[AUTH] invalid credentials'); // RFC 3206 §5
    }
    if (++s.authFailures >= MAX_AUTH_FAILURES) {
      await s.err('too many failed logins, closing');
      s.conn.end();
    }
    return;
  }
  const user = outcome.auth.user;
  // RFC 1939 §8: one session per maildrop; a lock left by a process that died is taken over
  const lock = await s.deps.store.locks.hold(lockName.maildrop(user));
  if (!lock) {
    await s.err('[IN-USE] the maildrop is in use by another POP3 session'); // RFC 2449 §8.1.2
    return;
  }
  try {
    const drop = await Maildrop.open(s.deps.store, user);
    if (!drop) throw new Error('INBOX missing');
    if (s.conn.closed) throw new Error('connection closed during login');
    s.lock = lock;
    s.drop = drop;
    s.user = { id: user, username: outcome.auth.username };
    s.state = 'transaction';
    const { count, octets } = drop.stat();
    await s.ok(`maildrop has ${count} messages (${octets} octets)`);
  } catch (err) {
    await lock.release();
    if (s.conn.closed) return;
    s.log.error({ err, userId: user }, 'pop3: cannot open maildrop');
    await s.err('[SYS/TEMP] cannot open the maildrop, try again later');
  }
}

export const USER: Command = async (s, args) => {
  if (!plaintextAllowed(s)) return refusePlaintext(s);
  const name = args.trim();
  if (!name) return s.err('USER needs a name');
  s.pendingUser = name;
  await s.ok('send PASS');
};

export const PASS: Command = async (s, args) => {
  if (!plaintextAllowed(s)) return refusePlaintext(s);
  const name = s.pendingUser;
  s.pendingUser = null;
  if (!name) return s.err('send USER first');
  await login(s, name, args); // RFC 1939 §7: the password may contain spaces
};

/** RFC 4616: [authzid] NUL authcid NUL passwd, base64 (RFC 5034 §4). */
async function saslPlain(s: Session, b64: string): Promise<void> {
  if (b64 === '*') return s.err('AUTH cancelled'); // RFC 5034 §4
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return s.err('invalid base64 in AUTH response');
  const parts = Buffer.from(b64, 'base64').toString('utf8').split('\0');
  if (parts.length !== 3 || !parts[1] || (parts[0] && parts[0] !== parts[1])) {
    return s.err('[AUTH] malformed PLAIN response or authorization identity not allowed');
  }
  await login(s, parts[1], parts[2]!);
}

export const AUTH: Command = async (s, args) => {
  const [mech = '', initial] = args.trim().split(/\s+/);
  if (!mech) {
    // the mechanism list, as older clients probe with a bare AUTH
    await s.conn.write('+OK\r\nPLAIN\r\n.\r\n');
    return;
  }
  if (mech.toUpperCase() !== 'PLAIN') return s.err('unsupported authentication mechanism');
  if (!plaintextAllowed(s)) return refusePlaintext(s);
  s.pendingUser = null;
  if (initial === undefined) {
    s.saslPending = true;
    await s.conn.write('+ \r\n'); // RFC 5034 §4: empty challenge
    return;
  }
  await saslPlain(s, initial === '=' ? '' : initial);
};

const SASLRESPONSE: Command = (s, line) => saslPlain(s, line.trim());

export const STLS: Command = async (s) => {
  if (s.conn.secure) return s.err('already using TLS');
  await s.ok('Begin TLS negotiation');
  await s.conn.startTls(s.deps.tls.context);
  s.pendingUser = null;
};

export const QUIT_AUTH: Command = async (s) => {
  await s.ok('Nestbox POP3 signing off');
  s.conn.end();
};

export const authCommands: Record<string, Command> = {
  CAPA,
  USER,
  PASS,
  AUTH,
  STLS,
  QUIT: QUIT_AUTH,
  SASLRESPONSE,
};
