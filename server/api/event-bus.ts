// Activity the API itself produces (import progress) goes out over Redis, so the /events stream of
// every Nestbox process — and imports run from the CLI — reach every dashboard.
import type { Redis } from 'ioredis';

export const API_EVENTS_CHANNEL = 'nestbox:api-events';

export interface ApiEvent {
  type: string;
  msg: string;
  time: string;
  [key: string]: unknown;
}

export class EventBus {
  constructor(private readonly redis: Redis) {}

  async publish(type: string, msg: string, fields: Record<string, unknown> = {}): Promise<void> {
    const event: ApiEvent = { ...fields, type, msg, time: new Date().toISOString() };
    await this.redis.publish(API_EVENTS_CHANNEL, JSON.stringify(event)).catch(() => undefined);
  }
}
