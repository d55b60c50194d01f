// BINARY[part]<partial> and BINARY.SIZE[part] (RFC 3516 §4.2): a part's content with its
// content-transfer-encoding removed, as the store decodes it.
import type { FetchItem } from './protocol/parse.ts';
import type { ResponseWriter } from './protocol/response.ts';

type BinaryItem = Extract<FetchItem, { kind: 'BINARY[]' | 'BINARY.SIZE' }>;

/** The distinct parts the binary items of a FETCH name. */
export function binaryParts(items: readonly FetchItem[]): number[][] {
  const seen = new Map<string, number[]>();
  for (const i of items)
    if (i.kind === 'BINARY[]' || i.kind === 'BINARY.SIZE') seen.set(i.part.join('.'), i.part);
  return [...seen.values()];
}

/** Writes one item; `data` is null when the message has no such part. */
export function writeBinary(out: ResponseWriter, item: BinaryItem, data: Buffer | null): void {
  const section = `[${item.part.join('.')}]`;
  if (item.kind === 'BINARY.SIZE') {
    // RFC 3516 §4.2 wants a number: a part that does not exist has no content
    out.queue(`BINARY.SIZE${section} ${data?.length ?? 0}`);
    return;
  }
  const name = `BINARY${section}${item.partial ? `<${item.partial.start}>` : ''}`;
  if (data === null) {
    out.queue(`${name} NIL`);
    return;
  }
  const bytes = item.partial
    ? data.subarray(item.partial.start, item.partial.start + item.partial.length)
    : data;
  // RFC 3516 §4.2: content with NUL octets can only go out as a literal8
  out.queue(`${name} ${bytes.includes(0) ? '~' : ''}{${bytes.length}}\r\n`);
  out.queue(bytes);
}
