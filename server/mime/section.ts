// FETCH BODY[section] (RFC 3501 §6.4.5): which bytes a section names, sized and streamed.
import { Readable } from 'node:stream';
import { splitHeader } from './headers.ts';
import { rangeBounds, sliceSegments } from './rebuild.ts';
import type { ByteRange, OpenBody } from './rebuild.ts';
import { segmentsOf, sliceSegmentList } from './segments.ts';
import { storedBytes } from './stored-bytes.ts';
import type { Segment } from './segments.ts';
import type { MimeNode, MimeTree } from './types.ts';

export type SectionKind = 'HEADER' | 'TEXT' | 'MIME' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT';

export interface SectionSpec {
  part?: number[];
  kind?: SectionKind;
  fields?: string[];
}

export interface ResolvedSection {
  size: number;
  stream(openBody: OpenBody, range?: ByteRange): Readable;
}

const CRLF = Buffer.from('\r\n');

function resolved(segments: Segment[]): ResolvedSection {
  let size = 0;
  for (const s of segments) size += s.size;
  return {
    size,
    stream(openBody, range) {
      const { from, to } = rangeBounds(size, range);
      return Readable.from(sliceSegments(segments, openBody, from, to), { objectMode: false });
    },
  };
}

// RFC 3501 §6.4.5: the matching header lines with their continuation lines, in the original
// order, then the blank line that ends a header.
function headerFields(header: Buffer, names: string[], not: boolean): Buffer {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const pieces: Buffer[] = [];
  for (const f of splitHeader(header)) {
    if (f.name === '' || wanted.has(f.lower) === not) continue;
    const lines = header.subarray(f.start, f.end);
    pieces.push(lines);
    if (lines[lines.length - 1] !== 0x0a) pieces.push(CRLF);
  }
  pieces.push(CRLF);
  return Buffer.concat(pieces);
}

/** Returns null when the section does not exist in this message. */
export function resolveSection(tree: MimeTree, section: SectionSpec): ResolvedSection | null {
  const all = segmentsOf(tree);
  const bytes = (from: number, to: number) => resolved(sliceSegmentList(all, from, to));
  const part = section.part ?? [];
  const kind = section.kind;

  // The entity whose header/body HEADER, TEXT and HEADER.FIELDS refer to.
  let target: MimeNode | undefined;
  if (part.length === 0) {
    if (kind === 'MIME') return null;
    target = tree[0];
    if (!target) return null;
    if (kind === undefined) return bytes(0, target.end);
  } else {
    const path = part.join('.');
    const index = tree.findIndex((n) => n.part === path);
    if (index < 0) return null;
    const node = tree[index]!;
    if (kind === undefined) return bytes(node.bodyStart, node.end);
    if (kind === 'MIME') return bytes(node.start + storedBytes(node.pre).length, node.bodyStart);
    // HEADER, TEXT and HEADER.FIELDS of a part only exist for message/rfc822 parts.
    if (node.kind !== 'message') return null;
    target = tree[index + 1];
    if (!target) return null;
  }
  const headerStart = target.start + storedBytes(target.pre).length;
  if (kind === 'HEADER') return bytes(headerStart, target.bodyStart);
  if (kind === 'TEXT') return bytes(target.bodyStart, target.end);
  const fields = headerFields(storedBytes(target.header), section.fields ?? [], kind === 'HEADER.FIELDS.NOT');
  return resolved([{ bytes: fields, size: fields.length }]);
}
