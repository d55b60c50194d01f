// "Log this user out everywhere" (API `PUT /users/:user/logout`, password changes): a Redis message
// that every Nestbox process's IMAP and POP3 services hear, whichever host the sessions are on.
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../notify/redis-keys.ts';

export interface LogoutRequest {
  user: string;
  reason: string;
}

/** Publishes on `keys.logoutChannel`. */
export async function requestLogout(redis: Redis, keys: RedisKeys, req: LogoutRequest): Promise<void> {
  await redis.publish(keys.logoutChannel, JSON.stringify(req));
}

/**
 * Calls `onLogout` for each request. `subscriber` must be a connection of its own (ioredis puts a
 * subscribing connection in subscriber mode). Returns the unsubscribe.
 */
export async function onLogoutRequest(
  subscriber: Redis,
  keys: RedisKeys,
  onLogout: (req: LogoutRequest) => void,
): Promise<() => Promise<void>> {
  const channel = keys.logoutChannel;
  const handler = (from: string, message: string) => {
    if (from !== channel) return;
    try {
      const req = JSON.parse(message) as LogoutRequest;
      if (typeof req.user === 'string') onLogout(req);
    } catch {
      // not ours
    }
  };
  subscriber.on('message', handler);
  await subscriber.subscribe(channel);
  return async () => {
    subscriber.off('message', handler);
    await subscriber.unsubscribe(channel).catch(() => undefined);
  };
}
