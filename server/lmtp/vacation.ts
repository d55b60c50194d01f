// Vacation autoreplies (RFC 3834): at most one per sender per interval, never to lists, bulk mail,
// automatic messages, null or daemon senders, or the user's own addresses.
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../notify/redis-keys.ts';
import type { Store } from '../store/index.ts';
import { isAutoreplyActive, type Autoreplies } from '../store/autoreply.ts';
import type { Headers } from '../mime/header-fields.ts';
import type { Relay } from './relay.ts';
import { AUTOREPLY_INTERVAL_S } from './limits.ts';

/** RFC 3834 §2: senders that are machines or lists. */
const DAEMON_LOCAL =
  /^(mailer-daemon|postmaster|listserv|majordomo|no-?reply|do-?not-?reply|bounces?)$|^owner-|-request$|-owner$/i;

/** Why no reply is sent, or null when one should be. */
export function autoreplyBlocker(sender: string, h: Headers): string | null {
  if (!sender || !sender.includes('@')) return 'null sender'; // RFC 3834 §2: no reply to <>
  const local = sender.slice(0, sender.lastIndexOf('@'));
  if (DAEMON_LOCAL.test(local)) return 'daemon or list sender';
  // RFC 3834 §2: anything automatic; Auto-Submitted: no is a person
  const auto = h.all('auto-submitted');
  if (auto.some((v) => !/^no\b/i.test(v))) return 'Auto-Submitted';
  if (h.all('precedence').some((v) => /^(bulk|junk|list)\b/i.test(v))) return 'Precedence';
  // RFC 2369 / RFC 2919 list headers
  if (['list-id', 'list-unsubscribe', 'list-post', 'list-help', 'list-owner'].some((k) => h.has(k))) {
    return 'mailing list';
  }
  if (h.all('x-auto-response-suppress').some((v) => /\b(all|oof|autoreply)\b/i.test(v))) {
    return 'X-Auto-Response-Suppress';
  }
  return null;
}

export interface VacationDeps {
  store: Store;
  autoreplies: Autoreplies;
  redis: Redis;
  relay: Relay;
  keys: RedisKeys;
}

/** Sends the reply when every rule allows it; returns what happened, for the log. */
export async function maybeAutoreply(
  deps: VacationDeps,
  msg: { user: string; rcpt: string; sender: string; headers: Headers },
): Promise<string> {
  const info = await deps.autoreplies.get(msg.user);
  if (!isAutoreplyActive(info)) return 'inactive';
  const blocked = autoreplyBlocker(msg.sender, msg.headers);
  if (blocked) return `skipped: ${blocked}`;
  const sender = msg.sender.toLowerCase();
  const own = await deps.store.addresses.list(msg.user);
  if (sender === msg.rcpt.toLowerCase() || own.some((a) => a.address === sender))
    return 'skipped: own address';
  // RFC 3834 §2: once per sender per period; the key expires by itself (Redis TTL)
  const key = deps.keys.vacation(msg.user, sender);
  const first = await deps.redis.set(key, '1', 'EX', AUTOREPLY_INTERVAL_S, 'NX');
  if (first !== 'OK') return 'skipped: already replied';
  const subject = info.subject || `Auto: ${msg.headers.first('subject') || '(no subject)'}`;
  const msgid = msg.headers.first('message-id');
  const refs = msg.headers.first('references').split(/\s+/).filter(Boolean);
  if (msgid) refs.push(msgid);
  try {
    await deps.relay.send({
      // RFC 3834 §3.3: a null return path, so a bounce of the reply does not come back
      envelope: { from: '', to: [msg.sender] },
      from: info.name ? { name: info.name, address: msg.rcpt } : msg.rcpt,
      to: msg.sender,
      subject,
      ...(info.text || !info.html ? { text: info.text || '' } : {}),
      ...(info.html ? { html: info.html } : {}),
      ...(msgid ? { inReplyTo: msgid } : {}),
      ...(refs.length ? { references: refs } : {}),
      headers: { 'Auto-Submitted': 'auto-replied', Precedence: 'bulk', 'X-Auto-Response-Suppress': 'All' },
    });
  } catch (err) {
    // a failed send may be retried by the sender's next message
    await deps.redis.del(key).catch(() => undefined);
    throw err;
  }
  return 'sent';
}
