// The user's quota as IMAP QUOTA (RFC 9208) reports it. Each user has one quota root, named "",
// covering all their mailboxes, with the resources Nestbox limits: STORAGE, in units of 1024
// octets (RFC 9208 §5.1), from the user's quota and storageUsed, and MESSAGE (§5.2), the number of
// messages, from the user's message limit and count. A resource is reported only when the user has
// a limit on it; a user without either has no quota root at all.
import type { Session } from './session.ts';

/** The root's name on the wire. */
export const QUOTA_ROOT = '""';

/** `QUOTA "" (STORAGE used limit MESSAGE used limit)` for the user, or null without limits. */
export async function quotaResponse(session: Session): Promise<string | null> {
  const user = await session.store.users.get(session.userId);
  if (!user) return null;
  const resources: string[] = [];
  if (user.quota > 0) {
    // usage rounded up and the limit down, so a client never believes there is room that is not
    const used = Math.ceil(user.storageUsed / 1024);
    const limit = Math.floor(user.quota / 1024);
    resources.push(`STORAGE ${used} ${limit}`);
  }
  if (user.messageQuota > 0) resources.push(`MESSAGE ${user.messagesUsed} ${user.messageQuota}`);
  return resources.length ? `QUOTA ${QUOTA_ROOT} (${resources.join(' ')})` : null;
}
