// The per-user import index: which (folder, SHA-256 of the bytes) pairs were already imported, so
// importing the same file again — or resuming after an interruption — adds nothing twice. Kept in
// Redis (persistent), written after the message is stored: a crash in between can duplicate one
// message on the next run, never lose one.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

const key = (user: string) => `nestbox:import:${user}`;

export function importKey(folder: string, raw: Buffer): string {
  return createHash('sha256').update(folder).update('\0').update(raw).digest('base64url');
}

export async function wasImported(redis: Redis, user: string, k: string): Promise<boolean> {
  return (await redis.sismember(key(user), k)) === 1;
}

export async function markImported(redis: Redis, user: string, k: string): Promise<void> {
  await redis.sadd(key(user), k);
}

export async function clearImportIndex(redis: Redis, user: string): Promise<void> {
  await redis.del(key(user));
}
