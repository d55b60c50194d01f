// What a message says to the people who read it: its text, its attachments and its HTML. One rule
// decides which leaf is body text and which is an attachment, for every consumer: the search text
// and attachment list stored at delivery (parse.ts), the LMTP filters (`messageContent`) and the
// API's html (`htmlBodies`, from the stored tree). See docs/ARCHITECTURE.md §5.
import { decodedText, textOf } from './body-text.ts';
import { decodedParam } from './content-fields.ts';
import type { EntityMeta } from './entity.ts';
import { buildTree, storedEntityMeta, TREE_DEFAULTS } from './parse-tree.ts';
import type { OpenBody } from './rebuild.ts';
import { storedBytes } from './stored-bytes.ts';
import type { AttachmentInfo, MimeNode, MimeTree } from './types.ts';

/** Characters of text kept per message: what search and the filters look at. */
export const MAX_TEXT = 1024 * 1024;

/** The name a part is saved under: Content-Disposition filename, else Content-Type name (RFC 2183
 * §2.3, RFC 2231 and RFC 2047 decoded). */
export function filenameOf(meta: EntityMeta): string | null {
  const fromDisposition = meta.dispositionRaw === null ? null : decodedParam(meta.dispositionRaw, 'filename');
  return fromDisposition ?? (meta.contentTypeRaw === null ? null : decodedParam(meta.contentTypeRaw, 'name'));
}

/** A leaf or embedded message as a reader sees it: body text (attachment null) or an attachment. */
export interface ReaderPart {
  index: number;
  attachment: AttachmentInfo | null;
}

/**
 * The parts a reader sees, in order. An attachment is an embedded message, a part with
 * disposition `attachment` or a filename, or anything that is not text/plain or text/html; the
 * parts inside an attached message belong to it and are not listed.
 */
export function readerParts(nodes: readonly MimeNode[], metaOf: (index: number) => EntityMeta): ReaderPart[] {
  const out: ReaderPart[] = [];
  const insideAttachedMessage = new Set<number>();
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!;
    if (node.parent >= 0 && insideAttachedMessage.has(node.parent)) {
      insideAttachedMessage.add(i);
      continue;
    }
    if (node.kind === 'multipart') continue;
    if (node.kind === 'message') insideAttachedMessage.add(i);
    const meta = metaOf(i);
    const filename = filenameOf(meta);
    const disposition = meta.disposition?.value.toLowerCase() ?? null;
    const isText = node.contentType === 'text/plain' || node.contentType === 'text/html';
    const attached = node.kind === 'message' || disposition === 'attachment' || !isText || filename !== null;
    if (!attached) {
      out.push({ index: i, attachment: null });
      continue;
    }
    if (node.part === null) continue; // only multiparts have none, and they are skipped above
    const info: AttachmentInfo = {
      id: node.part,
      filename,
      contentType: node.contentType,
      disposition,
      size: node.end - node.bodyStart,
    };
    const cid = meta.id?.replace(/^<|>$/g, '').trim();
    if (cid) info.contentId = cid;
    out.push({ index: i, attachment: info });
  }
  return out;
}

/** The text of the body parts, decoded and joined, line ends as LF, at most MAX_TEXT. */
function bodyText(
  parts: readonly ReaderPart[],
  nodes: readonly MimeNode[],
  metaOf: (index: number) => EntityMeta,
  bodyOf: (index: number) => Buffer,
): string {
  const texts: string[] = [];
  let length = 0;
  for (const p of parts) {
    if (p.attachment || length >= MAX_TEXT) continue;
    const text = textOf(bodyOf(p.index), metaOf(p.index), nodes[p.index]!.contentType);
    if (text) {
      texts.push(text);
      length += text.length;
    }
  }
  return texts.join('\n').replace(/\r\n?/g, '\n').slice(0, MAX_TEXT);
}

export interface MessageContent {
  /** What IMAP SEARCH BODY/TEXT and the API's `text` read (the stored text is this). */
  text: string;
  attachments: AttachmentInfo[];
  hasAttachments: boolean;
}

/** Text and attachments of a parsed tree, given each node's header facts and body bytes. */
export function readContent(
  nodes: readonly MimeNode[],
  metaOf: (index: number) => EntityMeta,
  bodyOf: (index: number) => Buffer,
): MessageContent {
  const parts = readerParts(nodes, metaOf);
  const attachments = parts.flatMap((p) => (p.attachment ? [p.attachment] : []));
  return {
    text: bodyText(parts, nodes, metaOf, bodyOf),
    attachments,
    hasAttachments: attachments.length > 0,
  };
}

/** Text and attachments of a message's bytes, exactly as its stored document will have them. */
export function messageContent(raw: Buffer): MessageContent {
  const { nodes, facts } = buildTree(raw, { ...TREE_DEFAULTS, externalizeAbove: Infinity });
  return readContent(
    nodes,
    (i) => facts[i]!.meta,
    (i) => facts[i]!.bodyBytes,
  );
}

async function bodyBytes(node: MimeNode, openBody: OpenBody): Promise<Buffer> {
  if (!node.external) return storedBytes(node.body);
  const chunks: Buffer[] = [];
  for await (const c of openBody(node.external.sha256) as AsyncIterable<Uint8Array | string>)
    chunks.push(typeof c === 'string' ? Buffer.from(c, 'latin1') : Buffer.from(c));
  return Buffer.concat(chunks);
}

/** The HTML body parts of a stored message, decoded, one string each (none for plain text). */
export async function htmlBodies(tree: MimeTree, openBody: OpenBody): Promise<string[]> {
  const metas = new Map<number, EntityMeta>();
  const metaOf = (i: number) => {
    let m = metas.get(i);
    if (!m) metas.set(i, (m = storedEntityMeta(tree, i)));
    return m;
  };
  const out: string[] = [];
  for (const p of readerParts(tree, metaOf)) {
    const node = tree[p.index]!;
    if (p.attachment || node.contentType !== 'text/html') continue;
    out.push(decodedText(await bodyBytes(node, openBody), metaOf(p.index)));
  }
  return out;
}
