// Counts of messages delivered, per door (LMTP, IMAP APPEND, API upload), kept in Redis under the
// store's channel prefix so every process adds to the same figures: all time, per day (the
// server's local day, kept 8 days) and per minute (kept 2 hours, for the overview's chart).
// Counting is best effort: a Redis hiccup never fails the delivery it counts.
import type { Ctx } from './context.ts';
import type { DeliveryCounts, DeliveryProtocol, DeliveryStats, DeliveryStatsApi } from './index.ts';

const PROTOCOLS: readonly DeliveryProtocol[] = ['lmtp', 'imap', 'api'];
const MINUTE = 60_000;

const day = (d: Date) =>
  `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

function counts(h: Record<string, string>): DeliveryCounts {
  const c = { lmtp: 0, imap: 0, api: 0, total: 0 };
  for (const p of PROTOCOLS) {
    c[p] = Number(h[p] ?? 0) || 0;
    c.total += c[p];
  }
  return c;
}

export class DeliveryStatsImpl implements DeliveryStatsApi {
  constructor(private readonly ctx: Ctx) {}

  private key(...parts: string[]): string {
    return this.ctx.opts.keys.deliveries(...parts);
  }

  async count(protocol: DeliveryProtocol, now = new Date()): Promise<void> {
    const dayKey = this.key('day', day(now));
    const minuteKey = this.key('minute', String(Math.floor(now.getTime() / MINUTE)));
    try {
      await this.ctx.redis
        .multi()
        .hincrby(this.key('total'), protocol, 1)
        .hincrby(dayKey, protocol, 1)
        .expire(dayKey, 8 * 86_400)
        .hincrby(minuteKey, protocol, 1)
        .expire(minuteKey, 2 * 3600)
        .exec();
    } catch (err) {
      this.ctx.opts.log('delivery not counted', { err: (err as Error).message, protocol });
    }
  }

  async read(now = new Date(), minutes = 30): Promise<DeliveryStats> {
    const last = Math.floor(now.getTime() / MINUTE);
    const starts = Array.from({ length: minutes }, (_, i) => last - minutes + 1 + i);
    const pipe = this.ctx.redis
      .multi()
      .hgetall(this.key('total'))
      .hgetall(this.key('day', day(now)));
    for (const m of starts) pipe.hgetall(this.key('minute', String(m)));
    const res = (await pipe.exec()) ?? [];
    const hash = (i: number) => (res[i]?.[1] ?? {}) as Record<string, string>;
    return {
      total: counts(hash(0)),
      today: counts(hash(1)),
      perMinute: starts.map((m, i) => ({ start: m * MINUTE, ...counts(hash(i + 2)) })),
    };
  }
}
