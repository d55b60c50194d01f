// The store's only door to server/mime: parse at delivery, rebuild exact bytes and sections.
import type { Readable } from 'node:stream';
import {
  htmlBodies as htmlBodiesOf,
  messagePieces,
  parseMessage,
  resolveSection,
  streamMessage,
} from '../mime/index.ts';
export { sentDay } from '../mime/index.ts';
import { binaryEncoding, decodeBinary, knownEncoding } from '../mime/index.ts';
import type { MimeTree, ParsedMessage, SectionKind, SectionSpec } from '../mime/index.ts';
export type { AddressValue, AttachmentInfo } from '../mime/index.ts';
import type { ByteRange } from './index.ts';

export type OpenBody = (sha256: string) => Readable;
export type Parsed = ParsedMessage;

/** The HTML bodies of a stored message, decoded (the API's `html`). */
export function htmlBodies(tree: unknown, openBody: OpenBody): Promise<string[]> {
  return htmlBodiesOf(tree as MimeTree, openBody);
}

export function parse(raw: Buffer, externalizeAbove: number): Parsed {
  return parseMessage(raw, { externalizeAbove });
}

/** The tree as stored: the driver must be asked for Buffers (`promoteBuffers`) when reading it. */
export function rebuild(tree: unknown, openBody: OpenBody, range?: ByteRange): Readable {
  return streamMessage(tree as MimeTree, openBody, range);
}

/** The message bytes (or a range) as in-memory pieces, null when a GridFS body `held` does not
 * give is in the range. */
export function rebuildPieces(
  tree: unknown,
  range?: ByteRange,
  held?: (sha256: string) => Buffer | undefined,
): Buffer[] | null {
  return messagePieces(tree as MimeTree, range, held);
}

const KINDS = new Set<string>(['HEADER', 'TEXT', 'MIME']);

/**
 * IMAP section text → the MIME layer's spec: '' (whole message), 'HEADER', 'TEXT', '1', '1.2',
 * '1.MIME', '2.HEADER', '2.TEXT'. Null for anything else (HEADER.FIELDS is cut by the caller
 * from HEADER).
 */
export function sectionSpec(section: string): SectionSpec | null {
  const s = section.trim().toUpperCase();
  if (s === '') return {};
  const parts = s.split('.');
  const part: number[] = [];
  while (parts.length && /^[1-9][0-9]{0,8}$/.test(parts[0]!)) part.push(Number(parts.shift()));
  const rest = parts.join('.');
  if (rest === '') return part.length ? { part } : {};
  if (!KINDS.has(rest)) return null;
  if (rest === 'MIME' && part.length === 0) return null;
  return part.length ? { part, kind: rest as SectionKind } : { kind: rest as SectionKind };
}

export function section(
  tree: unknown,
  name: string,
): { size: number; stream(openBody: OpenBody, range?: ByteRange): Readable } | null {
  const spec = sectionSpec(name);
  return spec ? resolveSection(tree as MimeTree, spec) : null;
}

/** What RFC 3516 BINARY needs of a part: how to decode its body; undefined when there is no such
 * part, 'unknown' for an encoding the MIME layer cannot undo. */
export function partDecoder(
  tree: unknown,
  part: readonly number[],
): ((body: Buffer) => Buffer) | 'unknown' | undefined {
  const encoding = binaryEncoding(tree as MimeTree, part);
  if (encoding === undefined) return undefined;
  if (!knownEncoding(encoding)) return 'unknown';
  return (body) => decodeBinary(body, encoding);
}
