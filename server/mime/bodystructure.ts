// IMAP BODY and BODYSTRUCTURE (RFC 3501 §7.4.2, RFC 9051 §7.5.2), written the way Dovecot
// writes them: type and subtype in the case the message used, "text" "plain" and
// ("charset" "us-ascii") as defaults, "7bit" when no encoding is given, an empty multipart
// shown as one empty text/plain part.
import type { Param } from './content-fields.ts';
import { buildEnvelope } from './envelope.ts';
import type { NodeFacts } from './parse-tree.ts';
import { nstring, nstringNoLf } from './imap-string.ts';
import type { MimeNode } from './types.ts';

const EMPTY_BODY = '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0)';
const EMPTY_BODYSTRUCTURE = '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL)';

function params(list: Param[], defaultCharset: boolean): string {
  const items = list.map((p) => `${nstring(p.name)} ${nstring(p.value)}`);
  if (defaultCharset && !list.some((p) => p.name.toLowerCase() === 'charset'))
    items.push('"charset" "us-ascii"');
  return items.length ? `(${items.join(' ')})` : 'NIL';
}

function commonExtension(f: NodeFacts): string {
  const m = f.meta;
  const disposition = m.disposition
    ? `(${nstring(m.disposition.value)} ${params(m.disposition.params, false)})`
    : 'NIL';
  const language = m.language ? `(${m.language.map((l) => nstring(l)).join(' ')})` : 'NIL';
  return ` ${disposition} ${language} ${nstringNoLf(m.location)}`;
}

// Dovecot's IMAP server reports a plain 7-bit US-ASCII message in one canonical spelling,
// whatever case its header used (message_part_data_is_plain_7bit): charset=us-ascii is the
// only parameter allowed.
function isPlain7bit(node: MimeNode, f: NodeFacts): boolean {
  const m = f.meta;
  if (node.kind !== 'leaf' || node.contentType !== 'text/plain') return false;
  if (m.params.length > 1) return false;
  const first = m.params[0];
  if (first && (first.name.toLowerCase() !== 'charset' || first.value.toLowerCase() !== 'us-ascii'))
    return false;
  if (m.id !== null || m.description !== null) return false;
  if (m.encoding !== null && m.encoding.toLowerCase() !== '7bit') return false;
  return m.md5 === null && m.disposition === null && m.language === null && m.location === null;
}

function childrenOf(nodes: MimeNode[], index: number): number[] {
  const out: number[] = [];
  for (let i = index + 1; i < nodes.length; i++) if (nodes[i]!.parent === index) out.push(i);
  return out;
}

export function writeBodyStructure(
  nodes: MimeNode[],
  facts: NodeFacts[],
  index: number,
  extended: boolean,
): string {
  const node = nodes[index]!;
  const f = facts[index]!;
  const m = f.meta;

  if (node.kind === 'multipart') {
    const kids = childrenOf(nodes, index);
    const inner = kids.length
      ? kids.map((k) => writeBodyStructure(nodes, facts, k, extended)).join('')
      : extended
        ? EMPTY_BODYSTRUCTURE
        : EMPTY_BODY;
    let out = `${inner} ${nstring(m.subtype ?? 'x-unknown')}`;
    if (extended) out += ` ${params(m.params, false)}${commonExtension(f)}`;
    return `(${out})`;
  }

  const size = node.end - node.bodyStart;
  if (index === 0 && isPlain7bit(node, f)) {
    const plain = `"text" "plain" ("charset" "us-ascii") NIL NIL "7bit" ${size} ${f.lines}`;
    return `(${plain}${extended ? ' NIL NIL NIL NIL' : ''})`;
  }
  let typePart: string;
  let text = false;
  if (node.kind === 'message') {
    typePart = '"message" "rfc822"';
  } else if (m.type === null) {
    const digest = node.contentType === 'message/rfc822';
    text = !digest;
    typePart = digest ? '"message" "rfc822"' : '"text" "plain"';
  } else {
    text = m.type.toLowerCase() === 'text';
    typePart = `${nstring(m.type)} ${nstring(m.subtype)}`;
  }
  let out =
    `${typePart} ${params(m.params, text)} ${nstringNoLf(m.id)} ${nstringNoLf(m.description)} ` +
    `${m.encoding === null ? '"7bit"' : nstring(m.encoding)} ${size}`;
  if (text) {
    out += ` ${f.lines}`;
  } else if (node.kind === 'message') {
    const embedded = index + 1;
    out +=
      ` ${buildEnvelope(facts[embedded]!.header)} ` +
      `${writeBodyStructure(nodes, facts, embedded, extended)} ${f.lines}`;
  }
  if (extended) out += ` ${nstringNoLf(m.md5)}${commonExtension(f)}`;
  return `(${out})`;
}
