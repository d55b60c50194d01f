// Embedded Redis through redis-memory-server: persistent `dir` under the data folder, AOF on.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { RedisMemoryServer } from 'redis-memory-server';
import { embeddedPort } from './embedded-ports.ts';
import { embeddedUnavailable, quietly } from './errors.ts';

export interface EmbeddedRedis {
  url: string;
  stop(): Promise<void>;
}

export async function startEmbeddedRedis(
  dataDir: string,
  debug: (line: string) => void,
): Promise<EmbeddedRedis> {
  const dir = join(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const server = new RedisMemoryServer({
    autoStart: false,
    instance: {
      ip: '127.0.0.1',
      port: await embeddedPort(dataDir, 'redis'),
      args: ['--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '3600 1 300 100'],
    },
  });
  try {
    await quietly(() => server.start(), debug);
  } catch (err) {
    await server.stop().catch(() => undefined);
    throw embeddedUnavailable('Redis', err);
  }
  const url = `redis://${await server.getHost()}:${await server.getPort()}`;
  return {
    url,
    async stop() {
      await server.stop();
    },
  };
}
