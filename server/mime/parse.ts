// parseMessage: the flat MIME tree plus everything computed once at delivery (BODYSTRUCTURE,
// ENVELOPE, decoded headers, search text, attachment list).
import libmime from 'libmime';
import { decodedAddresses } from './addresses.ts';
import { textOf } from './body-text.ts';
import { writeBodyStructure } from './bodystructure.ts';
import { decodedParam } from './content-fields.ts';
import { buildEnvelope } from './envelope.ts';
import { buildTree } from './parse-tree.ts';
import type { BuiltTree } from './parse-tree.ts';
import type { AttachmentInfo, ExternalBody, HeaderValue, ParsedMessage, ParseOptions } from './types.ts';

const DEFAULT_EXTERNALIZE_ABOVE = 64 * 1024;
const DEFAULT_MAX_DEPTH = 50;
const DEFAULT_MAX_PARTS = 1000;
const MAX_TEXT = 1024 * 1024;
const INTRO_LENGTH = 128;

function decodeWords(value: string): string {
  try {
    return libmime.decodeWords(value).replace(/\0/g, '\ufffd').trim();
  } catch {
    return value.trim();
  }
}

function messageIds(value: string | null): string[] {
  return value?.match(/<[^<>\s]+>/g) ?? [];
}

function firstId(value: string | null): string | null {
  if (value === null) return null;
  return messageIds(value)[0] ?? (value.trim() || null);
}

function parseDate(value: string | null): Date | null {
  if (value === null) return null;
  const t = Date.parse(value.replace(/\([^)]*\)/g, ' ').trim());
  return Number.isNaN(t) ? null : new Date(t);
}

function filenameOf(built: BuiltTree, i: number): string | null {
  const m = built.facts[i]!.meta;
  const fromDisposition = m.dispositionRaw === null ? null : decodedParam(m.dispositionRaw, 'filename');
  return fromDisposition ?? (m.contentTypeRaw === null ? null : decodedParam(m.contentTypeRaw, 'name'));
}

interface Content {
  text: string;
  attachments: AttachmentInfo[];
  filenames: Map<number, string | null>;
}

function collectContent(built: BuiltTree): Content {
  const texts: string[] = [];
  let length = 0;
  const attachments: AttachmentInfo[] = [];
  const filenames = new Map<number, string | null>();
  const { nodes, facts } = built;
  // Parts inside an attached message count as that attachment, not as parts of this message.
  const insideAttachedMessage = new Set<number>();
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!;
    if (node.parent >= 0 && insideAttachedMessage.has(node.parent)) {
      insideAttachedMessage.add(i);
      continue;
    }
    if (node.kind === 'multipart') continue;
    const meta = facts[i]!.meta;
    const filename = filenameOf(built, i);
    filenames.set(i, filename);
    const disposition = meta.disposition?.value.toLowerCase() ?? null;
    const isText = node.contentType === 'text/plain' || node.contentType === 'text/html';
    const attached = node.kind === 'message' || disposition === 'attachment' || !isText || filename !== null;
    if (node.kind === 'message') insideAttachedMessage.add(i);
    if (attached && node.part !== null) {
      const info: AttachmentInfo = {
        id: node.part,
        filename,
        contentType: node.contentType,
        disposition,
        size: node.end - node.bodyStart,
      };
      const cid = meta.id?.replace(/^<|>$/g, '').trim();
      if (cid) info.contentId = cid;
      attachments.push(info);
      continue;
    }
    if (length >= MAX_TEXT) continue;
    const text = textOf(facts[i]!.bodyBytes, meta, node.contentType);
    if (text) {
      texts.push(text);
      length += text.length;
    }
  }
  const text = texts.join('\n').replace(/\r\n?/g, '\n').slice(0, MAX_TEXT);
  return { text, attachments, filenames };
}

export function parseMessage(raw: Buffer, opts: ParseOptions = {}): ParsedMessage {
  const built = buildTree(raw, {
    externalizeAbove: opts.externalizeAbove ?? DEFAULT_EXTERNALIZE_ABOVE,
    maxDepth: opts.maxDepth ?? DEFAULT_MAX_DEPTH,
    maxParts: opts.maxParts ?? DEFAULT_MAX_PARTS,
  });
  const { nodes, facts } = built;
  const top = facts[0]!.header;
  const content = collectContent(built);

  const externalBodies: ExternalBody[] = [];
  for (const [sha256, { content: bytes, node }] of built.external) {
    // Preambles and epilogues moved out of the tree (node -1) are untyped bytes.
    const contentType = node >= 0 ? nodes[node]!.contentType : 'application/octet-stream';
    const body: ExternalBody = { sha256, content: bytes, contentType };
    const filename = node >= 0 ? (content.filenames.get(node) ?? filenameOf(built, node)) : null;
    if (filename) body.filename = filename;
    externalBodies.push(body);
  }

  const headers: HeaderValue[] = top.fields.map((f) => ({ key: f.lower, value: decodeWords(f.value) }));
  const text = content.text;
  return {
    tree: nodes,
    externalBodies,
    size: raw.length,
    bodystructure: writeBodyStructure(nodes, facts, 0, true),
    body: writeBodyStructure(nodes, facts, 0, false),
    envelope: buildEnvelope(top),
    headers,
    subject: decodeWords(top.first('subject') ?? ''),
    from: decodedAddresses(top.first('from')),
    to: decodedAddresses(top.first('to')),
    cc: decodedAddresses(top.first('cc')),
    bcc: decodedAddresses(top.first('bcc')),
    replyTo: decodedAddresses(top.first('reply-to')),
    sender: decodedAddresses(top.first('sender')),
    messageId: firstId(top.first('message-id')),
    inReplyTo: firstId(top.first('in-reply-to')),
    references: messageIds(top.first('references')),
    date: parseDate(top.first('date')),
    text,
    intro: text.replace(/\s+/g, ' ').trim().slice(0, INTRO_LENGTH),
    attachments: content.attachments,
    hasAttachments: content.attachments.length > 0,
  };
}
