// Reads one message's DATA with flat memory: the first bytes stay in memory, a longer message goes
// to a file in the spool folder, and anything past the size limit is only counted and dropped, so
// a sender that ignores SIZE costs disk for at most the limit and memory for at most the threshold.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rm, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

export interface Received {
  /** Bytes of DATA after dot-unstuffing, all of them, also those past the limit. */
  size: number;
  /** The whole message, or null when more than `max` bytes came (then nothing was kept). */
  data: Buffer | null;
}

/** Empties (and creates) the spool folder: files left there belong to transactions that died with their process. */
export async function resetSpool(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const name of await readdir(dir)) await rm(join(dir, name), { force: true });
}

/**
 * Consumes `stream` to its end. Up to `inMemory` bytes are kept as buffers; beyond that they are
 * written to a file in `dir` (removed again when read or dropped); beyond `max` nothing is kept.
 */
export async function spoolData(
  stream: AsyncIterable<Buffer>,
  opts: { max: number; inMemory: number; dir: string },
): Promise<Received> {
  let chunks: Buffer[] = [];
  let size = 0;
  let file: { path: string; fh: FileHandle } | null = null;
  const drop = async () => {
    chunks = [];
    if (!file) return;
    const f = file;
    file = null;
    await f.fh.close().catch(() => undefined);
    await unlink(f.path).catch(() => undefined);
  };
  try {
    for await (const chunk of stream) {
      size += chunk.length;
      if (size > opts.max) {
        if (chunks.length || file) await drop(); // counted only from here on
        continue;
      }
      if (!file && size <= opts.inMemory) {
        chunks.push(chunk);
        continue;
      }
      if (!file) {
        const path = join(opts.dir, `lmtp-${process.pid}-${randomBytes(8).toString('hex')}`);
        file = { path, fh: await open(path, 'wx+', 0o600) };
        for (const c of chunks) await file.fh.write(c);
        chunks = [];
      }
      await file.fh.write(chunk);
    }
    if (size > opts.max) return { size, data: null };
    if (!file) return { size, data: Buffer.concat(chunks, size) };
    const { fh } = file;
    const data = Buffer.allocUnsafe(size);
    for (let at = 0; at < size;) {
      const { bytesRead } = await fh.read(data, at, size - at, at);
      if (bytesRead === 0) throw new Error('spool file is shorter than the message');
      at += bytesRead;
    }
    return { size, data };
  } finally {
    await drop();
  }
}
