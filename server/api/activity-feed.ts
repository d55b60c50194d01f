// Auth events and API events (imports) for /events, from one dedicated Redis subscriber per process
// shared by every open stream (a subscribing connection can do nothing else).
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../notify/redis-keys.ts';

export type FeedListener = (event: string, data: unknown) => void;

export class ActivityFeed {
  private sub: Redis | null = null;
  private ready: Promise<void> | null = null;
  private readonly listeners = new Set<FeedListener>();

  constructor(
    private readonly newRedis: () => Redis,
    private readonly keys: RedisKeys,
  ) {}

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
          channel === this.keys.authChannel
            ? 'auth'
            : ((data as { type?: unknown }).type as string) || 'import';
        for (const l of [...this.listeners]) l(event, data);
      });
      this.ready = sub.subscribe(this.keys.authChannel, this.keys.apiEventsChannel).then(() => undefined);
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
