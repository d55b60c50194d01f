// GridFS bucket `attachments`: one file per distinct body, keyed by `metadata.sha256` (unique index),
// with a reference count. Crash rule: refs go up before the message that uses them is inserted and
// down after it is deleted; only the sweep deletes files, and only when no message references them
// and nothing has touched them for the grace period.
import { randomBytes } from 'node:crypto';
import type { ObjectId } from 'mongodb';
import { Binary } from 'mongodb';
import { Readable } from 'node:stream';
import { chunkId, openFile, type StoredFile } from './chunks.ts';
import type { AttachmentsApi, ByteRange, ContentStream } from './index.ts';
import type { Ctx } from './context.ts';
import type { ChunkDoc, FileDoc } from './docs.ts';
import { isDuplicateKey } from './errors.ts';
import { lockName } from './locks.ts';

export interface BodyToStore {
  sha256: string;
  content: Buffer;
  contentType: string;
  filename?: string;
}

async function retryDup<T>(f: () => Promise<T>): Promise<T> {
  // concurrent upserts on a unique key: one may lose with E11000, the retry then matches the winner
  for (let i = 0; ; i++) {
    try {
      return await f();
    } catch (err) {
      if (!isDuplicateKey(err) || i >= 4) throw err;
    }
  }
}

/**
 * Takes one reference on each body (creating and filling the GridFS file when new). Each sha256 is
 * pushed to `taken` as soon as its reference is up, so a failure part-way can give back exactly those.
 */
export async function acquireBodies(ctx: Ctx, bodies: BodyToStore[], taken: string[]): Promise<void> {
  for (const b of bodies) {
    const now = new Date();
    const writer = randomBytes(8).toString('hex');
    const doc = await ctx.locks.with(lockName.file(b.sha256), () =>
      retryDup(() =>
        ctx.files.findOneAndUpdate(
          { 'metadata.sha256': b.sha256 },
          {
            $inc: { 'metadata.refs': 1, 'metadata.v': 1 },
            $set: { 'metadata.lastChange': now },
            $setOnInsert: {
              length: b.content.length,
              chunkSize: ctx.opts.chunkSize,
              uploadDate: now,
              filename: b.filename ?? b.sha256,
              'metadata.complete': false,
              'metadata.contentType': b.contentType,
              'metadata.writer': writer,
            },
          },
          { upsert: true, returnDocument: 'after' },
        ),
      ),
    );
    if (!doc) throw new Error(`attachment ${b.sha256} could not be referenced`);
    taken.push(b.sha256);
    if (doc.metadata.complete) continue;
    if (doc.metadata.writer === writer) {
      // we made the files document: nobody else writes chunks for this _id unless we stall
      await writeChunks(ctx, doc, b.content, false);
    } else if (!(await waitComplete(ctx, doc._id))) {
      // the first writer died or stalls: write it ourselves (same bytes, upserted chunks)
      await writeChunks(ctx, doc, b.content, true);
    } else {
      continue;
    }
    const done = await ctx.locks.with(lockName.file(b.sha256), () =>
      ctx.files.updateOne({ _id: doc._id }, { $set: { 'metadata.complete': true } }),
    );
    // only a sweep with a grace period shorter than this add can have removed it meanwhile
    if (done.matchedCount !== 1) throw new Error(`attachment ${b.sha256} vanished while being written`);
  }
}

/** How long a second writer of a new body waits for the first before writing it itself. */
const WAIT_FOR_WRITER_MS = 30_000;
/** Chunks per insert: a few MB per round trip. */
const CHUNKS_PER_INSERT = 16;

async function writeChunks(ctx: Ctx, doc: FileDoc, content: Buffer, upsert: boolean): Promise<void> {
  const size = doc.chunkSize || ctx.opts.chunkSize;
  const count = Math.max(1, Math.ceil(content.length / size));
  for (let first = 0; first < count; first += CHUNKS_PER_INSERT) {
    const batch: ChunkDoc[] = [];
    for (let n = first; n < Math.min(count, first + CHUNKS_PER_INSERT); n++) {
      batch.push({
        _id: chunkId(doc._id, n),
        files_id: doc._id,
        n,
        data: new Binary(content.subarray(n * size, (n + 1) * size)),
      });
    }
    if (!upsert) {
      try {
        await ctx.chunks.insertMany(batch, { ordered: true });
        continue;
      } catch (err) {
        // someone took over after we stalled: fall through to the idempotent path
        if (!isDuplicateKey(err)) throw err;
      }
    }
    for (const c of batch) {
      await retryDup(() =>
        ctx.chunks.updateOne(
          { _id: c._id },
          { $set: { files_id: c.files_id, n: c.n, data: c.data } },
          { upsert: true },
        ),
      );
    }
  }
}

async function waitComplete(ctx: Ctx, id: ObjectId): Promise<boolean> {
  const deadline = Date.now() + WAIT_FOR_WRITER_MS;
  for (let delay = 20; Date.now() < deadline; delay = Math.min(delay * 2, 250)) {
    await new Promise((r) => setTimeout(r, delay));
    const d = await ctx.files.findOne({ _id: id }, { projection: { metadata: 1 } });
    if (!d) throw new Error('attachment vanished while being written');
    if (d.metadata.complete) return true;
  }
  return false;
}

/** Adds `delta` references per sha256 (copy: +n; expunge: -n). */
export async function changeRefs(ctx: Ctx, counts: Map<string, number>, sign: 1 | -1): Promise<void> {
  const now = new Date();
  for (const [sha256, n] of counts) {
    if (n === 0) continue;
    await ctx.locks.with(lockName.file(sha256), () =>
      ctx.files.updateOne(
        { 'metadata.sha256': sha256 },
        { $inc: { 'metadata.refs': sign * n, 'metadata.v': 1 }, $set: { 'metadata.lastChange': now } },
      ),
    );
  }
}

export function countRefs(lists: Iterable<readonly string[] | undefined>): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of lists) for (const s of l ?? []) m.set(s, (m.get(s) ?? 0) + 1);
  return m;
}

/** Opens an attachment body as a stream; `held` gives it whole when this process holds it. */
export type BodyOpener = ((sha256: string) => Readable) & { held(sha256: string): Buffer | undefined };

/**
 * Resolves sha256 → complete GridFS file id, so `openBody` can be synchronous as the MIME layer
 * wants. Bodies this process holds (body-cache.ts) are not looked up, and a body read whole is
 * kept for the next reader. Missing bodies make `openBody` fail with a clear error on the stream.
 */
export async function bodyOpener(ctx: Ctx, shas: readonly string[]): Promise<BodyOpener> {
  const held = new Map<string, Buffer>();
  const wanted: string[] = [];
  for (const sha of new Set(shas)) {
    const b = ctx.bodies.get(sha);
    if (b) held.set(sha, b);
    else wanted.push(sha);
  }
  const files = new Map<string, StoredFile>();
  if (wanted.length) {
    const docs = await ctx.files
      .find(
        { 'metadata.sha256': { $in: wanted }, 'metadata.complete': true },
        { projection: { _id: 1, length: 1, chunkSize: 1, metadata: 1 } },
      )
      .toArray();
    for (const d of docs) files.set(d.metadata.sha256, d);
  }
  const open = (sha256: string): Readable => {
    const b = held.get(sha256);
    if (b) return Readable.from([b], { objectMode: false });
    const f = files.get(sha256);
    if (f) {
      const keep = ctx.bodies.keeps(f.length) ? (whole: Buffer) => ctx.bodies.put(sha256, whole) : undefined;
      return openFile(ctx, f, undefined, keep);
    }
    // fails when read, so the error reaches whoever consumes the stream
    return new Readable({
      read() {
        this.destroy(new Error(`attachment ${sha256} not found`));
      },
    });
  };
  return Object.assign(open, { held: (sha256: string) => held.get(sha256) });
}

function toStat(d: FileDoc): { sha256: string; size: number; refs: number; complete: boolean } {
  return { sha256: d.metadata.sha256, size: d.length, refs: d.metadata.refs, complete: d.metadata.complete };
}

export class Attachments implements AttachmentsApi {
  constructor(private readonly ctx: Ctx) {}

  async open(sha256: string, range?: ByteRange): Promise<ContentStream | null> {
    const d = await this.ctx.files.findOne({ 'metadata.sha256': sha256, 'metadata.complete': true });
    if (!d) return null;
    return { size: d.length, stream: openFile(this.ctx, d, range) };
  }

  async stat(
    sha256: string,
  ): Promise<{ sha256: string; size: number; refs: number; complete: boolean } | null> {
    const d = await this.ctx.files.findOne({ 'metadata.sha256': sha256 });
    return d ? toStat(d) : null;
  }
}
