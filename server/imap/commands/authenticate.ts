// AUTHENTICATE (RFC 3501 §6.2.2) with PLAIN (RFC 4616) and LOGIN, and an initial response on the
// command line (SASL-IR, RFC 4959).
import { NOT_AUTHENTICATED, bad, no, type CommandSpec, type Reply } from '../command.ts';
import { loginWith, plaintextRefused } from '../auth.ts';
import { atom, expectEnd } from '../protocol/parse.ts';
import type { Session } from '../session.ts';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A client response: base64, `=` for empty (RFC 4959 §3), `*` to cancel (RFC 3501 §6.2.2). */
function decode(text: string): Buffer | 'cancel' | null {
  if (text === '*') return 'cancel';
  if (text === '=') return Buffer.alloc(0);
  return BASE64.test(text) ? Buffer.from(text, 'base64') : null;
}

async function respond(session: Session, challenge: string, initial?: string): Promise<Buffer | Reply> {
  const line = initial ?? (await session.continuation(challenge));
  if (line === null) return bad('Connection closed during authentication');
  const data = decode(line);
  if (data === 'cancel') return bad('Authentication cancelled');
  if (data === null) return bad('Invalid base64 in authentication response');
  return data;
}

export const authenticate: CommandSpec = {
  name: 'AUTHENTICATE',
  states: NOT_AUTHENTICATED,
  sync: 'none',
  async run({ session, args }) {
    const mech = atom(args[0], 'mechanism').toUpperCase();
    const initial = args.length > 1 ? atom(args[1], 'initial response') : undefined;
    expectEnd(args, 2);
    if (mech !== 'PLAIN' && mech !== 'LOGIN') return no('Unsupported authentication mechanism', 'CANNOT');
    if (!session.plaintextAllowed) return plaintextRefused();
    if (mech === 'PLAIN') {
      const r = await respond(session, '', initial);
      if (!Buffer.isBuffer(r)) return r;
      // RFC 4616 §2: [authzid] NUL authcid NUL passwd
      const parts = r.toString('utf8').split('\0');
      if (parts.length !== 3 || !parts[1]) return bad('Malformed PLAIN response');
      const [authz, authc, password] = parts as [string, string, string];
      if (authz && authz.toLowerCase() !== authc.toLowerCase()) {
        return no('Acting as another user is not supported', 'AUTHORIZATIONFAILED');
      }
      return loginWith(session, authc, password);
    }
    const u = await respond(session, Buffer.from('Username:').toString('base64'), initial);
    if (!Buffer.isBuffer(u)) return u;
    const p = await respond(session, Buffer.from('Password:').toString('base64'));
    if (!Buffer.isBuffer(p)) return p;
    return loginWith(session, u.toString('utf8'), p.toString('utf8'));
  },
};
