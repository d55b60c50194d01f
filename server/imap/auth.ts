// The login step shared by LOGIN and AUTHENTICATE: the ServiceContext's Authenticator does the rate
// limiting, the password / application-password check, the auth log and the events.
import { no, ok, type Reply } from './command.ts';
import { MAX_AUTH_FAILURES } from './limits.ts';
import type { Session } from './session.ts';

export async function loginWith(session: Session, login: string, password: string): Promise<Reply> {
  const res = await session.ctx.auth.login({
    login,
    password,
    scope: 'imap',
    protocol: 'imap',
    ip: session.remoteAddress,
  });
  if (res.ok) {
    await session.login(res.auth);
    // RFC 3501 §6.2.3: capabilities may change after login; sending them saves a round trip
    return ok('Logged in', { code: 'CAPABILITY', capabilities: session.capabilities() });
  }
  if (res.reason === 'throttled') {
    return no(`Too many failed logins; try again in ${res.retryAfter} seconds`, 'UNAVAILABLE');
  }
  session.authFailures++;
  if (session.authFailures >= MAX_AUTH_FAILURES) {
    session.afterReply = async () => {
      await session.bye('Too many failed logins');
      session.end();
    };
  }
  return no('Invalid credentials', 'AUTHENTICATIONFAILED');
}

/** RFC 3501 §6.2.3 LOGINDISABLED / RFC 5530 PRIVACYREQUIRED. */
export function plaintextRefused(): Reply {
  return no('Plaintext authentication is disabled here; use STARTTLS first', 'PRIVACYREQUIRED');
}
