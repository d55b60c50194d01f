// Auth events and API events (imports) for /events, from one dedicated Redis subscriber per process
// shared by every open stream (a subscribing connection can do nothing else).
import type { Redis } from 'ioredis';
import { AUTH_EVENTS_CHANNEL } from '../auth/authenticator.ts';
import { API_EVENTS_CHANNEL } from './event-bus.ts';

export type FeedListener = (event: string, data: unknown) => void;

export class ActivityFeed {
  private sub: Redis | null = null;
  private ready: Promise<void> | null = null;
  private readonly listeners = new Set<FeedListener>();

  constructor(private readonly newRedis: () => Redis) {}

  async listen(fn: FeedListener): Promise<() => void> {
    this.listeners.add(fn);
    if (!this.ready) {
      const sub = this.newRedis();
      this.sub = sub;
      sub.on('message', (channel: string, message: string) => {
        let data: unknown;
        try {
          data = JSON.parse(message);
        } catch {
          return;
        }
        const event =
          channel === AUTH_EVENTS_CHANNEL
            ? 'auth'
            : ((data as { type?: unknown }).type as string) || 'import';
        for (const l of [...this.listeners]) l(event, data);
      });
      this.ready = sub.subscribe(AUTH_EVENTS_CHANNEL, API_EVENTS_CHANNEL).then(() => undefined);
      this.ready.catch(() => {
        this.ready = null;
      });
    }
    await this.ready;
    return () => {
      this.listeners.delete(fn);
    };
  }

  close(): void {
    this.sub?.disconnect();
    this.sub = null;
    this.ready = null;
  }
}
