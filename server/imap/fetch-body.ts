// BODY[section]<partial> content (RFC 3501 §6.4.5): sections come from the store as streams and go
// out as literals without being buffered; HEADER.FIELDS[.NOT] is cut from the header here.
import type { ByteRange, OpenedMessage } from '../store/index.ts';
import type { PartialRange, Section } from './protocol/parse.ts';
import type { ResponseWriter } from './protocol/response.ts';

/** Header blocks larger than this are not filtered (a header is a few KB; this bounds memory). */
const MAX_HEADER_FILTER = 1024 * 1024;

/** The store's name for a section: HEADER.FIELDS[.NOT] is cut from the whole HEADER here. */
function storeSectionName(s: Section): string {
  const part = s.parts.join('.');
  const kind = s.kind === 'HEADER.FIELDS' || s.kind === 'HEADER.FIELDS.NOT' ? 'HEADER' : (s.kind ?? '');
  return part && kind ? `${part}.${kind}` : part || kind;
}

/** Keeps (or drops, for .NOT) the named fields; the blank line that ends a header stays. */
export function filterHeader(header: Buffer, fields: readonly string[], not: boolean): Buffer {
  const names = new Set(fields.map((f) => f.toLowerCase()));
  const text = header.toString('latin1');
  const lines = text.split(/(?<=\n)/);
  const out: string[] = [];
  let keep = false;
  for (const line of lines) {
    if (line === '\r\n' || line === '\n') break;
    if (line[0] === ' ' || line[0] === '\t') {
      if (keep) out.push(line);
      continue;
    }
    const colon = line.indexOf(':');
    const name = (colon > 0 ? line.slice(0, colon) : line).trim().toLowerCase();
    keep = names.has(name) !== not;
    if (keep) out.push(line);
  }
  out.push('\r\n');
  return Buffer.from(out.join(''), 'latin1');
}

async function readAll(stream: NodeJS.ReadableStream, max: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stream as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > max) return null;
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

/**
 * Writes `name` + the section as a literal (or NIL when the section does not exist). `name` is the
 * response item name, e.g. `BODY[1.2]<0>` (RFC 3501 §7.4.2). Every section of one FETCH response
 * comes from the same opened message, so a concurrent EXPUNGE cannot empty some of them.
 */
export async function writeSection(
  out: ResponseWriter,
  message: OpenedMessage,
  name: string,
  section: Section,
  partial: PartialRange | undefined,
): Promise<void> {
  if (section.kind === 'HEADER.FIELDS' || section.kind === 'HEADER.FIELDS.NOT') {
    const src = message.section(storeSectionName(section));
    let data = src ? await readAll(src.stream, MAX_HEADER_FILTER) : null;
    if (src && data === null) data = Buffer.alloc(0);
    data = filterHeader(data ?? Buffer.alloc(0), section.fields ?? [], section.kind === 'HEADER.FIELDS.NOT');
    if (partial) data = data.subarray(partial.start, partial.start + partial.length);
    out.queue(`${name} {${data.length}}\r\n`);
    out.queue(data);
    return;
  }
  const range: ByteRange | undefined = partial ? { start: partial.start, length: partial.length } : undefined;
  const src =
    section.parts.length === 0 && section.kind === undefined
      ? message.raw(range)
      : message.section(storeSectionName(section), range);
  if (!src) {
    out.queue(`${name} NIL`);
    return;
  }
  const length = partial ? Math.max(0, Math.min(partial.length, src.size - partial.start)) : src.size;
  if (src.pieces) {
    await out.writeLiteralPieces(`${name} `, length, src.pieces);
    return;
  }
  if (length === 0) {
    src.stream.destroy();
    out.queue(`${name} {0}\r\n`);
    return;
  }
  await out.writeLiteralStream(`${name} `, length, src.stream);
}
