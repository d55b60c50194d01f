// parseMessage: the flat MIME tree plus everything computed once at delivery (BODYSTRUCTURE,
// ENVELOPE, decoded headers, search text, attachment list).
import { decodedAddresses } from './addresses.ts';
import { writeBodyStructure } from './bodystructure.ts';
import { decodedFields, decodeWords } from './decoded-headers.ts';
import { buildEnvelope } from './envelope.ts';
import { filenameOf, readContent } from './message-content.ts';
import { buildTree, TREE_DEFAULTS } from './parse-tree.ts';
import type { ExternalBody, ParsedMessage, ParseOptions } from './types.ts';

const INTRO_LENGTH = 128;

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

export function parseMessage(raw: Buffer, opts: ParseOptions = {}): ParsedMessage {
  const built = buildTree(raw, {
    externalizeAbove: opts.externalizeAbove ?? TREE_DEFAULTS.externalizeAbove,
    maxDepth: opts.maxDepth ?? TREE_DEFAULTS.maxDepth,
    maxParts: opts.maxParts ?? TREE_DEFAULTS.maxParts,
  });
  const { nodes, facts } = built;
  const top = facts[0]!.header;
  const { text, attachments, hasAttachments } = readContent(
    nodes,
    (i) => facts[i]!.meta,
    (i) => facts[i]!.bodyBytes,
  );

  const externalBodies: ExternalBody[] = [];
  for (const [sha256, { content: bytes, node }] of built.external) {
    // Preambles and epilogues moved out of the tree (node -1) are untyped bytes.
    const contentType = node >= 0 ? nodes[node]!.contentType : 'application/octet-stream';
    const body: ExternalBody = { sha256, content: bytes, contentType };
    const filename = node >= 0 ? filenameOf(facts[node]!.meta) : null;
    if (filename) body.filename = filename;
    externalBodies.push(body);
  }

  return {
    tree: nodes,
    externalBodies,
    size: raw.length,
    bodystructure: writeBodyStructure(nodes, facts, 0, true),
    body: writeBodyStructure(nodes, facts, 0, false),
    envelope: buildEnvelope(top),
    headers: decodedFields(top),
    subject: decodeWords(top.first('subject') ?? '').trim(),
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
    attachments,
    hasAttachments,
  };
}
