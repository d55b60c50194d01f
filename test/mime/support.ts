// Shared pieces of the MIME tests: reading streams, feeding external bodies back, and checking
// that a value can be stored in MongoDB and FerretDB.
import { Readable } from 'node:stream';
import type { ParsedMessage } from '../../server/mime/index.ts';

export async function collect(stream: NodeJS.ReadableStream | Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** An openBody that serves the parsed message's external bodies, in small chunks. */
export function bodiesOf(parsed: ParsedMessage, chunkSize = 16 * 1024): (sha256: string) => Readable {
  const map = new Map(parsed.externalBodies.map((b) => [b.sha256, b.content]));
  return (sha256) => {
    const content = map.get(sha256);
    if (!content) throw new Error(`unknown body ${sha256}`);
    return Readable.from(
      (function* () {
        for (let i = 0; i < content.length; i += chunkSize) yield content.subarray(i, i + chunkSize);
      })(),
    );
  };
}

export function noBodies(): never {
  throw new Error('no external body expected');
}

/**
 * Problems that would stop MongoDB or FerretDB from storing `value`: arrays directly inside
 * arrays, keys with "." or starting with "$", NUL in strings, nesting of 100 levels or more.
 */
export function storageProblems(value: unknown, path = 'doc', depth = 0, out: string[] = []): string[] {
  if (depth >= 90) out.push(`${path}: nested ${depth} levels`);
  if (typeof value === 'string') {
    if (value.includes('\0')) out.push(`${path}: NUL in string`);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => {
      if (Array.isArray(item)) out.push(`${path}[${i}]: array inside array`);
      storageProblems(item, `${path}[${i}]`, depth + 1, out);
    });
  } else if (value && typeof value === 'object' && !Buffer.isBuffer(value) && !(value instanceof Date)) {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('.') || key.startsWith('$')) out.push(`${path}: forbidden key ${JSON.stringify(key)}`);
      storageProblems(item, `${path}.${key}`, depth + 1, out);
    }
  }
  return out;
}

/** The part of a parse result the store writes into the message document. */
export function storedPart(parsed: ParsedMessage): unknown {
  const { externalBodies: _external, ...rest } = parsed;
  return rest;
}

/** Deterministic pseudo-random numbers, so failures can be reproduced. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 0x100000000;
  };
}
