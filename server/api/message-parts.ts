// Reading parts of a stored message for the API: the decoded content of one attachment, and the
// HTML bodies (the store keeps only text for search, so HTML is read back from the exact bytes).
import { simpleParser } from 'mailparser';
import type { Store } from '../store/index.ts';

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks);
}

export async function readSection(
  store: Store,
  user: string,
  mailbox: string,
  uid: number,
  section: string,
): Promise<Buffer | null> {
  const s = await store.messages.openSection(user, mailbox, uid, section);
  return s ? readAll(s.stream) : null;
}

/** RFC 2045 quoted-printable, tolerant of bare LF and stray `=`. */
export function decodeQuotedPrintable(input: Buffer): Buffer {
  const s = input.toString('latin1').replace(/=\r?\n/g, '');
  const out = Buffer.alloc(s.length);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x3d && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      out[n++] = parseInt(s.slice(i + 1, i + 3), 16);
      i += 2;
    } else {
      out[n++] = c & 0xff;
    }
  }
  return out.subarray(0, n);
}

/** The transfer-encoding of a part, from its MIME header section. */
export function transferEncoding(mimeHeader: Buffer): string {
  const text = mimeHeader.toString('latin1').replace(/\r?\n[ \t]+/g, ' ');
  const m = /^content-transfer-encoding:\s*([^\s;]+)/im.exec(text);
  return m ? m[1]!.toLowerCase() : '7bit';
}

export async function decodedPart(
  store: Store,
  user: string,
  mailbox: string,
  uid: number,
  part: string,
): Promise<Buffer | null> {
  const body = await readSection(store, user, mailbox, uid, part);
  if (!body) return null;
  const mime = await readSection(store, user, mailbox, uid, `${part}.MIME`);
  const enc = mime ? transferEncoding(mime) : '7bit';
  if (enc === 'base64') return Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  if (enc === 'quoted-printable') return decodeQuotedPrintable(body);
  return body;
}

/** HTML bodies of a message (none for plain-text mail). */
export async function htmlOf(store: Store, user: string, mailbox: string, uid: number): Promise<string[]> {
  const raw = await store.messages.openRaw(user, mailbox, uid);
  if (!raw) return [];
  const parsed = await simpleParser(await readAll(raw.stream), {
    skipImageLinks: true,
    skipTextToHtml: true,
    skipTextLinks: true,
  });
  return typeof parsed.html === 'string' && parsed.html ? [parsed.html] : [];
}
