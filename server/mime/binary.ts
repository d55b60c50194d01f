// BINARY[section] (RFC 3516 §4.2): which part a binary section names and how to undo its
// content-transfer-encoding (RFC 2045 §6).
import { decodeTransfer } from './transfer-encoding.ts';
import { indexHeader } from './headers.ts';
import { readEntityMeta } from './entity.ts';
import type { MimeTree } from './types.ts';

/** Encodings whose bytes are the content itself (RFC 2045 §6.2). */
const IDENTITY = new Set(['7bit', '8bit', 'binary']);
const DECODED = new Set(['base64', 'quoted-printable']);

/**
 * The content-transfer-encoding of the entity a binary section names: the message for `[]`, the
 * part for `[1.2]` (lower-case, null when the header has none). Undefined when there is no such
 * part.
 */
export function binaryEncoding(tree: MimeTree, part: readonly number[]): string | null | undefined {
  const node = part.length === 0 ? tree[0] : tree.find((n) => n.part === part.join('.'));
  if (!node) return undefined;
  // a multipart message's parts are numbered; `[]` is the whole message, never decoded
  if (part.length === 0) return null;
  const encoding = readEntityMeta(indexHeader(node.header)).encoding;
  return encoding === null ? null : encoding.toLowerCase();
}

/** True for the encodings `decodeBinary` can undo (RFC 3516 §4.3: otherwise NO [UNKNOWN-CTE]). */
export function knownEncoding(encoding: string | null): boolean {
  return encoding === null || IDENTITY.has(encoding) || DECODED.has(encoding);
}

/** The content with its content-transfer-encoding removed; the encoding must be known. */
export function decodeBinary(body: Buffer, encoding: string | null): Buffer {
  return encoding !== null && DECODED.has(encoding) ? decodeTransfer(body, encoding) : body;
}
