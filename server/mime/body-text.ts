// Decoded text of text parts, for search and the message preview.
import libmime from 'libmime';
import { paramValue } from './entity.ts';
import type { EntityMeta } from './entity.ts';

// RFC 2045 §6.7 quoted-printable.
function decodeQuotedPrintable(buf: Buffer): Buffer {
  const out = Buffer.alloc(buf.length);
  let n = 0;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i]!;
    if (c !== 0x3d) {
      out[n++] = c;
      continue;
    }
    const a = buf[i + 1];
    const b = buf[i + 2];
    if (a === 0x0d && b === 0x0a) i += 2;
    else if (a === 0x0a) i += 1;
    else {
      const hex = a !== undefined && b !== undefined ? String.fromCharCode(a, b) : '';
      if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
        out[n++] = parseInt(hex, 16);
        i += 2;
      } else out[n++] = c;
    }
  }
  return out.subarray(0, n);
}

export function decodeTransfer(body: Buffer, encoding: string | null): Buffer {
  switch ((encoding ?? '').toLowerCase()) {
    case 'base64':
      return Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/]/g, ''), 'base64');
    case 'quoted-printable':
      return decodeQuotedPrintable(body);
    default:
      return body;
  }
}

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

/** The text of a text/plain or text/html body, decoded; null for other types. */
export function textOf(body: Buffer, meta: EntityMeta, contentType: string): string | null {
  if (contentType !== 'text/plain' && contentType !== 'text/html') return null;
  const text = decodeCharset(decodeTransfer(body, meta.encoding), paramValue(meta, 'charset'));
  return contentType === 'text/html' ? htmlToText(text) : text;
}
