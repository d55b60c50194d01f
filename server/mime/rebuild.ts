// Gives back the exact original bytes of a stored message, streamed, optionally a byte range.
import { Readable } from 'node:stream';
import { segmentsOf, sliceSegmentList } from './segments.ts';
import type { Segment } from './segments.ts';
import type { MimeTree } from './types.ts';

export type OpenBody = (sha256: string) => NodeJS.ReadableStream | Readable;

export interface ByteRange {
  start: number;
  length?: number;
}

/** Exact size of the message, without reading external bodies. */
export function messageSize(tree: MimeTree): number {
  let size = 0;
  for (const s of segmentsOf(tree)) size += s.size;
  return size;
}

function asBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return Buffer.from(String(chunk), 'latin1');
}

/** Bytes [from, to) of the concatenation of `segments`. */
export async function* sliceSegments(
  segments: Segment[],
  openBody: OpenBody,
  from: number,
  to: number,
): AsyncGenerator<Buffer> {
  let offset = 0;
  for (const seg of segments) {
    const segStart = offset;
    const segEnd = offset + seg.size;
    offset = segEnd;
    if (segEnd <= from) continue;
    if (segStart >= to) break;
    let a = Math.max(from, segStart) - segStart;
    let b = Math.min(to, segEnd) - segStart;
    if (seg.sha256 === undefined) {
      yield seg.bytes.subarray(a, b);
      continue;
    }
    // External body: read it, skipping the bytes before `a`, stopping after `b`.
    a += seg.offset ?? 0;
    b += seg.offset ?? 0;
    let pos = 0;
    let got = 0;
    for await (const raw of openBody(seg.sha256) as AsyncIterable<unknown>) {
      const chunk = asBuffer(raw);
      const cStart = pos;
      pos += chunk.length;
      if (pos <= a) continue;
      const piece = chunk.subarray(Math.max(a - cStart, 0), Math.min(b - cStart, chunk.length));
      if (piece.length) {
        got += piece.length;
        yield piece;
      }
      if (pos >= b) break;
    }
    if (got !== b - a) throw new Error(`external body ${seg.sha256} is shorter than recorded`);
  }
}

export function rangeBounds(total: number, range?: ByteRange): { from: number; to: number } {
  const from = Math.min(Math.max(range?.start ?? 0, 0), total);
  const to = range?.length === undefined ? total : Math.min(total, from + Math.max(range.length, 0));
  return { from, to };
}

/** The original message bytes (or a range of them) as pieces already in memory, or null when the
 * range reaches a body kept apart that `held` does not give whole; lets a writer send a message
 * without a stream. */
export function messagePieces(
  tree: MimeTree,
  range?: ByteRange,
  held?: (sha256: string) => Buffer | undefined,
): Buffer[] | null {
  const segments = segmentsOf(tree);
  let total = 0;
  for (const s of segments) total += s.size;
  const { from, to } = rangeBounds(total, range);
  const pieces: Buffer[] = [];
  for (const seg of sliceSegmentList(segments, from, to)) {
    if (seg.sha256 === undefined) {
      pieces.push(seg.bytes);
      continue;
    }
    const body = held?.(seg.sha256);
    const start = seg.offset ?? 0;
    // a body shorter than recorded goes the stream's way, which reports it
    if (!body || body.length < start + seg.size) return null;
    pieces.push(body.subarray(start, start + seg.size));
  }
  return pieces;
}

/** The original message bytes (or a range of them), streamed. */
export function streamMessage(tree: MimeTree, openBody: OpenBody, range?: ByteRange): Readable {
  const segments = segmentsOf(tree);
  let total = 0;
  for (const s of segments) total += s.size;
  const { from, to } = rangeBounds(total, range);
  return Readable.from(sliceSegments(segments, openBody, from, to), { objectMode: false });
}
