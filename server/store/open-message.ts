// One message opened for reading its bytes: the document is read once, and every section a FETCH
// asks for is cut from that one read. Reading it again per section raced with EXPUNGE: a message
// listed by the FETCH could be gone by the time its second section was read.
import type { ByteRange, ContentStream, Id } from './index.ts';
import type { Ctx } from './context.ts';
import type { MessageDoc } from './docs.ts';
import { bodyOpener } from './attachments.ts';
import { readByUid } from './by-id.ts';
import { unpack, type Content } from './content.ts';
import { oid } from './ids.ts';
import { partDecoder, rebuild, section } from './mime.ts';

export interface OpenedMessage {
  size: number;
  /** The exact original bytes, or a range of them. */
  raw(range?: ByteRange): ContentStream;
  /** A section as `openSection` names it ('', 'HEADER', '1.2', '2.TEXT'…); null if absent. */
  section(name: string, range?: ByteRange): ContentStream | null;
  /** RFC 3516 BINARY[part]: the part's body with its content-transfer-encoding removed (`[]`: the
   * whole message as it is); null when there is no such part, 'unknown-cte' when its encoding is
   * not one we can undo. Read whole, as its decoded size must be known before it is sent. */
  binary(part: readonly number[]): Promise<Buffer | 'unknown-cte' | null>;
}

/** Null when the mailbox holds no message with this UID (any more). */
export async function openMessage(ctx: Ctx, mailbox: Id, uid: number): Promise<OpenedMessage | null> {
  const m = oid(mailbox);
  if (!m) return null;
  const d = await readByUid<MessageDoc>(
    ctx,
    m,
    uid,
    { content: 1, size: 1, attachmentRefs: 1 },
    { promoteBuffers: true },
  );
  if (!d) return null;
  const tree = unpack<Content>(d.content).tree;
  const open = await bodyOpener(ctx, d.attachmentRefs ?? []);
  return {
    size: d.size,
    raw: (range) => ({ size: d.size, stream: rebuild(tree, open, range) }),
    section(name, range) {
      const s = section(tree, name);
      return s ? { size: s.size, stream: s.stream(open, range) } : null;
    },
    async binary(part) {
      if (part.length === 0) return readAll(rebuild(tree, open));
      const decode = partDecoder(tree, part);
      const body = section(tree, part.join('.'));
      if (decode === undefined || !body) return null;
      if (decode === 'unknown') return 'unknown-cte';
      return decode(await readAll(body.stream(open)));
    },
  };
}

async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks);
}
