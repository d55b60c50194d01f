// Decoded text of text parts: what search, the filters, previews and the API's text and html read.
import libmime from 'libmime';
import { paramValue } from './entity.ts';
import type { EntityMeta } from './entity.ts';
import { decodeTransfer } from './transfer-encoding.ts';

export function decodeCharset(bytes: Buffer, charset: string | null): string {
  let text: string;
  try {
    text = new TextDecoder(libmime.normalizeCharset(charset ?? 'us-ascii').toLowerCase()).decode(bytes);
  } catch {
    text = new TextDecoder('utf-8').decode(bytes);
  }
  return text.replace(/\0/g, '');
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** A plain rendering of HTML good enough for search and previews. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style|head)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(br|\/p|\/div|\/tr|\/h[1-6]|li|\/li|\/table)\b[^>]*>/gi, '\n')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, e: string) => {
      if (e[0] === '#') {
        const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ' ';
      }
      return ENTITIES[e.toLowerCase()] ?? all;
    })
    .replace(/[ \t\r\f\v]+/g, ' ')
    .replace(/ *\n[\n ]*/g, '\n')
    .trim();
}

/** A text body as characters: transfer encoding undone, then its charset. */
export function decodedText(body: Buffer, meta: EntityMeta): string {
  return decodeCharset(decodeTransfer(body, meta.encoding), paramValue(meta, 'charset'));
}

/** The text of a text/plain or text/html body, decoded (HTML rendered plain); null for other types. */
export function textOf(body: Buffer, meta: EntityMeta, contentType: string): string | null {
  if (contentType !== 'text/plain' && contentType !== 'text/html') return null;
  const text = decodedText(body, meta);
  return contentType === 'text/html' ? htmlToText(text) : text;
}
