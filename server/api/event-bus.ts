// Activity the API itself produces (import progress) goes out over Redis, so the /events stream of
// every Nestbox process — and imports run from the CLI — reach every dashboard.
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../notify/redis-keys.ts';

export interface ApiEvent {
  type: string;
  msg: string;
  time: string;
  [key: string]: unknown;
}

export class EventBus {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async publish(type: string, msg: string, fields: Record<string, unknown> = {}): Promise<void> {
    const event: ApiEvent = { ...fields, type, msg, time: new Date().toISOString() };
    await this.redis.publish(this.keys.apiEventsChannel, JSON.stringify(event)).catch(() => undefined);
  }
}
