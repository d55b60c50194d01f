// "Log this user out everywhere" (API `PUT /users/:user/logout`, password changes): a Redis message
// that every Nestbox process's IMAP and POP3 services hear, whichever host the sessions are on.
import type { Redis } from 'ioredis';

export const LOGOUT_CHANNEL = 'nestbox:logout';

export interface LogoutRequest {
  user: string;
  reason: string;
}

export async function requestLogout(redis: Redis, req: LogoutRequest): Promise<void> {
  await redis.publish(LOGOUT_CHANNEL, JSON.stringify(req));
}

/**
 * Calls `onLogout` for each request. `subscriber` must be a connection of its own (ioredis puts a
 * subscribing connection in subscriber mode). Returns the unsubscribe.
 */
export async function onLogoutRequest(
  subscriber: Redis,
  onLogout: (req: LogoutRequest) => void,
): Promise<() => Promise<void>> {
  const handler = (channel: string, message: string) => {
    if (channel !== LOGOUT_CHANNEL) return;
    try {
      const req = JSON.parse(message) as LogoutRequest;
      if (typeof req.user === 'string') onLogout(req);
    } catch {
      // not ours
    }
  };
  subscriber.on('message', handler);
  await subscriber.subscribe(LOGOUT_CHANNEL);
  return async () => {
    subscriber.off('message', handler);
    await subscriber.unsubscribe(LOGOUT_CHANNEL).catch(() => undefined);
  };
}
