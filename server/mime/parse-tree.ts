// Splits raw message bytes into the flat MIME tree. Every byte lands in exactly one place
// (pre, header, body, post), so concatenating them in order gives the message back.
import { createHash } from 'node:crypto';
import { findBodyStart, indexHeader } from './headers.ts';
import type { HeaderIndex } from './headers.ts';
import { paramValue, readEntityMeta } from './entity.ts';
import type { EntityMeta } from './entity.ts';
import { storedBytes } from './stored-bytes.ts';
import type { ExternalRef, MimeNode, MimeTree } from './types.ts';

const LF = 0x0a;
const CR = 0x0d;

const NO_FIELDS: HeaderIndex = {
  fields: [],
  first: () => null,
  last: () => null,
  has: () => false,
  all: () => [],
};

/**
 * What an entity's header says about its content. Dovecot reads Content-* fields only in MIME
 * entities: parts of a multipart, or an entity with MIME-Version or Content-Type.
 */
export function entityMeta(header: HeaderIndex, inMultipart: boolean): EntityMeta {
  const isMime = inMultipart || header.has('mime-version') || header.has('content-type');
  return readEntityMeta(isMime ? header : NO_FIELDS);
}

/** The same for a node of a stored tree, read again from its header bytes. */
export function storedEntityMeta(tree: MimeTree, index: number): EntityMeta {
  const node = tree[index]!;
  const inMultipart = node.parent >= 0 && tree[node.parent]!.kind === 'multipart';
  return entityMeta(indexHeader(storedBytes(node.header)), inMultipart);
}

export interface TreeLimits {
  externalizeAbove: number;
  maxDepth: number;
  maxParts: number;
}

/** Bodies above 64 KiB leave the tree; nesting and part counts are bounded so a crafted message
 * cannot make parsing slow (deeper or further parts stay opaque bytes). */
export const TREE_DEFAULTS: TreeLimits = { externalizeAbove: 64 * 1024, maxDepth: 50, maxParts: 1000 };

/** Parse-time facts per node, kept beside the stored tree (same indexes) and not stored. */
export interface NodeFacts {
  header: HeaderIndex;
  meta: EntityMeta;
  depth: number;
  /** LF count in the body: RFC 3501 §7.4.2 "size of the body in text lines". */
  lines: number;
  /** The body bytes, also for externalized bodies (needed for text extraction). */
  bodyBytes: Buffer;
}

export interface BuiltTree {
  nodes: MimeNode[];
  facts: NodeFacts[];
  /** Bodies moved out of the tree; `node` is -1 for bytes that are not a part's body. */
  external: Map<string, { content: Buffer; node: number }>;
}

interface Delimiter {
  start: number;
  end: number;
  close: boolean;
}

// RFC 2046 §5.1.1: a delimiter is "--" boundary at the start of a line, optionally "--" for the
// last one, then only linear white space to the end of the line. The line break before it
// belongs to the delimiter.
function findDelimiters(raw: Buffer, from: number, to: number, boundary: string): Delimiter[] {
  const needle = Buffer.from(`--${boundary}`, 'latin1');
  const found: Delimiter[] = [];
  let pos = from;
  let prevEnd = from;
  while (pos < to) {
    const at = raw.indexOf(needle, pos);
    if (at < 0 || at + needle.length > to) break;
    pos = at + 1;
    if (at !== from && raw[at - 1] !== LF) continue;
    let j = at + needle.length;
    let close = false;
    if (j + 2 <= to && raw[j] === 0x2d && raw[j + 1] === 0x2d) {
      close = true;
      j += 2;
    }
    while (j < to && (raw[j] === 0x20 || raw[j] === 0x09)) j++;
    let end: number;
    if (j === to) end = to;
    else if (raw[j] === LF) end = j + 1;
    else if (raw[j] === CR && (j + 1 === to || raw[j + 1] === LF)) end = Math.min(j + 2, to);
    else continue;
    let start = at;
    if (at > from && raw[at - 1] === LF) start = at > from + 1 && raw[at - 2] === CR ? at - 2 : at - 1;
    start = Math.max(start, prevEnd);
    found.push({ start, end, close });
    prevEnd = end;
    pos = end;
    if (close) break;
  }
  return found;
}

function countLines(buf: Buffer): number {
  let n = 0;
  let pos = buf.indexOf(LF);
  while (pos >= 0) {
    n++;
    pos = buf.indexOf(LF, pos + 1);
  }
  return n;
}

export function buildTree(raw: Buffer, limits: TreeLimits): BuiltTree {
  const nodes: MimeNode[] = [];
  const facts: NodeFacts[] = [];
  const external = new Map<string, { content: Buffer; node: number }>();
  const empty = Buffer.alloc(0);
  // Large runs of bytes leave the tree so a message document stays far below 16 MB.
  const moveOut = (bytes: Buffer, node: number): ExternalRef | null => {
    if (bytes.length <= limits.externalizeAbove) return null;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (!external.has(sha256)) external.set(sha256, { content: bytes, node });
    return { sha256, size: bytes.length };
  };

  const addEntity = (
    start: number,
    end: number,
    pre: Buffer,
    parent: number,
    depth: number,
    part: string,
    childBase: string,
    digestChild: boolean,
  ): void => {
    const bodyStart = findBodyStart(raw, start, end);
    const header = indexHeader(raw.subarray(start, bodyStart));
    const meta = entityMeta(header, parent >= 0 && nodes[parent]!.kind === 'multipart');
    let contentType: string;
    if (meta.type && meta.subtype) contentType = `${meta.type}/${meta.subtype}`.toLowerCase();
    // RFC 2046 §5.1.5: parts of multipart/digest default to message/rfc822.
    else contentType = digestChild ? 'message/rfc822' : 'text/plain';

    const index = nodes.length;
    const bodyBytes = raw.subarray(bodyStart, end);
    const node: MimeNode = {
      parent,
      kind: 'leaf',
      contentType,
      part,
      pre,
      header: raw.subarray(start, bodyStart),
      body: null,
      external: null,
      post: empty,
      postExternal: null,
      start: start - pre.length,
      bodyStart,
      end,
    };
    nodes.push(node);
    facts.push({ header, meta, depth, lines: countLines(bodyBytes), bodyBytes });

    const deeper = depth < limits.maxDepth && nodes.length < limits.maxParts;
    const boundary = paramValue(meta, 'boundary');
    const encoding = (meta.encoding ?? '7bit').toLowerCase();
    const identity = encoding === '7bit' || encoding === '8bit' || encoding === 'binary';

    if (contentType.startsWith('multipart/') && boundary && deeper) {
      node.kind = 'multipart';
      // A multipart message (top-level or embedded) has no part number of its own: its parts are
      // numbered instead. A multipart nested in a multipart is itself a part.
      if (childBase !== part) node.part = null;
      const delims = findDelimiters(raw, bodyStart, end, boundary);
      const preamble = raw.subarray(bodyStart, delims[0]?.start ?? end);
      node.external = moveOut(preamble, -1);
      if (!node.external) node.body = preamble;
      const isDigest = contentType === 'multipart/digest';
      let n = 0;
      for (let i = 0; i < delims.length; i++) {
        const d = delims[i]!;
        // After the close delimiter, or past maxParts, the rest stays one opaque run of bytes.
        if (d.close || nodes.length >= limits.maxParts) {
          const post = raw.subarray(d.start, end);
          node.postExternal = moveOut(post, -1);
          node.post = node.postExternal ? empty : post;
          break;
        }
        n++;
        const childEnd = delims[i + 1]?.start ?? end;
        const childPart = childBase ? `${childBase}.${n}` : String(n);
        addEntity(
          d.end,
          childEnd,
          raw.subarray(d.start, d.end),
          index,
          depth + 1,
          childPart,
          childPart,
          isDigest,
        );
      }
      return;
    }
    if (contentType === 'message/rfc822' && identity && deeper && node.part !== null) {
      node.kind = 'message';
      // RFC 3501 §6.4.5: the embedded message's parts are numbered under this part; a
      // non-multipart embedded message has its body as part ".1".
      addEntity(bodyStart, end, empty, index, depth + 1, `${part}.1`, part, false);
      return;
    }
    node.external = moveOut(bodyBytes, index);
    if (!node.external) node.body = bodyBytes;
  };

  addEntity(0, raw.length, empty, -1, 0, '1', '', false);
  return { nodes, facts, external };
}
