// The tree as an ordered run of byte pieces: inline Buffers and references to external bodies.
import { storedBytes } from './stored-bytes.ts';
import type { MimeTree } from './types.ts';

export type Segment =
  | { bytes: Buffer; sha256?: undefined; size: number }
  /** `size` bytes of an external body starting at `offset` (0 when absent). */
  | { sha256: string; size: number; offset?: number };

/** Pieces in message order: pre, header, body of each node, and a multipart's post after its last descendant. */
export function segmentsOf(tree: MimeTree): Segment[] {
  const out: Segment[] = [];
  const push = (value: unknown) => {
    if (value === null || value === undefined) return;
    const bytes = storedBytes(value);
    if (bytes.length) out.push({ bytes, size: bytes.length });
  };
  const close = (index: number) => {
    const node = tree[index]!;
    if (node.postExternal) out.push({ sha256: node.postExternal.sha256, size: node.postExternal.size });
    else push(node.post);
  };
  const open: number[] = [];
  for (let i = 0; i < tree.length; i++) {
    const node = tree[i]!;
    while (open.length && open[open.length - 1] !== node.parent) close(open.pop()!);
    push(node.pre);
    push(node.header);
    if (node.external) out.push({ sha256: node.external.sha256, size: node.external.size });
    else push(node.body);
    open.push(i);
  }
  while (open.length) close(open.pop()!);
  return out;
}

/** The pieces covering bytes [from, to) of the message that `segments` make up. */
export function sliceSegmentList(segments: Segment[], from: number, to: number): Segment[] {
  const out: Segment[] = [];
  let offset = 0;
  for (const seg of segments) {
    const segStart = offset;
    offset += seg.size;
    if (offset <= from) continue;
    if (segStart >= to) break;
    const a = Math.max(from, segStart) - segStart;
    const b = Math.min(to, offset) - segStart;
    if (seg.sha256 === undefined) out.push({ bytes: seg.bytes.subarray(a, b), size: b - a });
    else out.push({ sha256: seg.sha256, size: b - a, offset: (seg.offset ?? 0) + a });
  }
  return out;
}
