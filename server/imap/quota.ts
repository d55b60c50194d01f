// The user's quota as IMAP QUOTA (RFC 9208) reports it. Each user has one quota root, named "",
// covering all their mailboxes, with the one resource Nestbox limits: STORAGE, in units of 1024
// octets (RFC 9208 §5.1), from the user's quota and storageUsed. There is no limit on the number
// of messages, so MESSAGE is neither advertised nor reported (RFC 9208: a server advertises a
// QUOTA=RES-<name> for each resource it supports); a user without a quota has no quota root at all.
import type { Session } from './session.ts';

/** The root's name on the wire. */
export const QUOTA_ROOT = '""';

/** `QUOTA "" (STORAGE used limit)` for the user, or null when the user has no quota. */
export async function quotaResponse(session: Session): Promise<string | null> {
  const user = await session.store.users.get(session.userId);
  if (!user || user.quota <= 0) return null;
  // usage rounded up and the limit down, so a client never believes there is room that is not
  const used = Math.ceil(user.storageUsed / 1024);
  const limit = Math.floor(user.quota / 1024);
  return `QUOTA ${QUOTA_ROOT} (STORAGE ${used} ${limit})`;
}
