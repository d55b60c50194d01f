// pino with three destinations: size-rotated JSON lines under <data>/logs/, readable output on a
// TTY (JSON lines otherwise, for a supervising process to forward), and the in-memory ring.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino, multistream, type Logger, type StreamEntry, type Level } from 'pino';
import pretty from 'pino-pretty';
import roll from 'pino-roll';
import { LogRing } from './ring.ts';

export type { Logger };

export interface LoggerOptions {
  level: Level;
  /** Folder for log files; no files when unset (tests). */
  dir?: string;
  maxSize?: number;
  maxFiles?: number;
  /** Console output: 'auto' = pretty on a TTY, JSON otherwise. */
  console?: 'auto' | 'pretty' | 'json' | 'off';
}

export interface Logging {
  log: Logger;
  ring: LogRing;
  /** The active log file (a symlink that follows rotation), when logging to files. */
  currentFile?: string;
  flush(): Promise<void>;
}

export async function createLogging(opts: LoggerOptions): Promise<Logging> {
  const ring = new LogRing();
  const streams: StreamEntry[] = [{ level: opts.level, stream: ring }];
  let fileStream: { flushSync?: () => void; end?: () => void } | undefined;
  let currentFile: string | undefined;
  if (opts.dir) {
    mkdirSync(opts.dir, { recursive: true });
    const kb = Math.max(1, Math.ceil((opts.maxSize ?? 10 * 1024 * 1024) / 1024));
    const stream = await roll({
      file: join(opts.dir, 'nestbox'),
      extension: '.log',
      size: `${kb}k`,
      mkdir: true,
      symlink: true,
      limit: { count: opts.maxFiles ?? 5, removeOtherLogFiles: true },
    });
    fileStream = stream as unknown as typeof fileStream;
    currentFile = join(opts.dir, 'current.log');
    streams.push({ level: opts.level, stream });
  }
  const mode = opts.console ?? 'auto';
  if (mode === 'pretty' || (mode === 'auto' && process.stdout.isTTY)) {
    streams.push({ level: opts.level, stream: pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l' }) });
  } else if (mode !== 'off') {
    streams.push({ level: opts.level, stream: process.stdout });
  }
  const log = pino({ level: opts.level, base: undefined }, multistream(streams));
  return {
    log,
    ring,
    currentFile,
    async flush() {
      await new Promise<void>((resolve) => log.flush(() => resolve()));
      try {
        fileStream?.flushSync?.();
      } catch {
        // the file stream may not be ready or already closed; nothing left to flush
      }
    },
  };
}
