// RFC 3501 §2.3.2 \Recent: exactly one session is told a message is new. A per-mailbox high-water
// mark in Redis ("recent claimed up to UID") is raised atomically by the first session that selects
// the mailbox or learns of the message; that session sees UIDs above the old mark as \Recent.
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../notify/redis-keys.ts';

const KEY_TTL_SECONDS = 180 * 24 * 3600;

// Raises the mark to ARGV[1] if it is lower; returns the mark as it was before.
const CLAIM = `
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
local want = tonumber(ARGV[1])
if want > cur then redis.call('SET', KEYS[1], want, 'EX', ARGV[2]) end
return cur
`;

export class RecentMarks {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  private key(mailbox: string): string {
    return this.keys.recent(mailbox);
  }

  /** Claims every UID up to `uid`; returns the previous mark (UIDs above it are recent for the caller). */
  async claim(mailbox: string, uid: number): Promise<number> {
    const prev = await this.redis.eval(CLAIM, 1, this.key(mailbox), String(uid), String(KEY_TTL_SECONDS));
    return Number(prev);
  }

  /** The mark without claiming (EXAMINE, STATUS). */
  async peek(mailbox: string): Promise<number> {
    return Number((await this.redis.get(this.key(mailbox))) ?? 0);
  }
}
