// GridFS chunks written and read by a derived `_id` ("<files _id hex>:<n>"), so every chunk read
// is a bare `_id` lookup. Why: FerretDB's SQLite handler passes only a bare `_id` filter down to
// SQLite; the driver's download stream asks for {files_id} sorted by n, which there decodes every
// chunk of every attachment (measured: 0.3 MB/s reading one 20 MB message). The documents stay
// GridFS-shaped (files_id, n, data), so any GridFS reader still reads them; chunks written with
// another _id are found by (files_id, n) instead.
import { Readable } from 'node:stream';
import type { Binary, ObjectId } from 'mongodb';
import type { Ctx } from './context.ts';
import type { ByteRange } from './index.ts';

export function chunkId(file: ObjectId, n: number): string {
  return `${file.toHexString()}:${n}`;
}

export interface StoredFile {
  _id: ObjectId;
  length: number;
  chunkSize: number;
}

async function readChunk(ctx: Ctx, file: ObjectId, n: number): Promise<Buffer> {
  const d =
    (await ctx.chunks.findOne({ _id: chunkId(file, n) })) ??
    (await ctx.chunks.findOne({ files_id: file, n }));
  if (!d) throw new Error(`attachment ${file.toHexString()} is missing chunk ${n}`);
  const data = d.data as Binary | Buffer;
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer);
}

/** The file's bytes, or `range` of them, one chunk at a time as the reader asks for more.
 * `whole` is given the whole file once the last of it was read, when it was read from the start. */
export function openFile(
  ctx: Ctx,
  f: StoredFile,
  range?: ByteRange,
  whole?: (bytes: Buffer) => void,
): Readable {
  const start = Math.min(range?.start ?? 0, f.length);
  const end = range?.length === undefined ? f.length : Math.min(f.length, start + range.length);
  const size = f.chunkSize;
  let n = Math.floor(start / size);
  let pos = n * size;
  const kept: Buffer[] | null = whole && start === 0 && end === f.length ? [] : null;
  return new Readable({
    async read() {
      try {
        if (pos >= end) return void this.push(null);
        let data = await readChunk(ctx, f._id, n);
        const expected = Math.min(size, f.length - pos);
        if (data.length !== expected) {
          throw new Error(
            `attachment ${f._id.toHexString()} chunk ${n} has ${data.length} bytes, not ${expected}`,
          );
        }
        const from = Math.max(0, start - pos);
        const to = Math.min(data.length, end - pos);
        data = data.subarray(from, to);
        n++;
        pos += size;
        kept?.push(data);
        // handed over as the last chunk goes: a reader that has all it wants stops asking
        if (kept && pos >= end) whole!(Buffer.concat(kept));
        this.push(data);
      } catch (err) {
        this.destroy(err as Error);
      }
    },
  });
}
