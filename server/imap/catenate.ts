// CATENATE (RFC 4469): an APPENDed message built from literal text and from messages or parts of
// them that the user already has, named by IMAP URLs (RFC 5092). Only URLs relative to this
// server (`/mailbox;UIDVALIDITY=n/;UID=n[/;SECTION=x][/;PARTIAL=o.l]`) are taken; anything else
// is NO [BADURL] (RFC 4469 §4).
import type { ContentStream } from '../store/index.ts';
import { no, type Reply } from './command.ts';
import { normalizePath } from './mailbox-names.ts';
import type { CatPart } from './protocol/parse.ts';
import type { Session } from './session.ts';

export interface ImapUrl {
  path: string;
  uidValidity: number | null;
  uid: number;
  /** The IMAP section ('' for the whole message), upper-case. */
  section: string;
  partial: { start: number; length: number } | null;
}

const URL_RE =
  /^\/([^;?#]+?)(?:;UIDVALIDITY=([1-9]\d{0,9}))?\/;UID=([1-9]\d{0,9})(?:\/;SECTION=([^/;?#]+))?(?:\/;PARTIAL=(\d{1,10})(?:\.([1-9]\d{0,9}))?)?$/i;

/** An IMAP URL of a message or part on this server (RFC 5092 §6 imessagepart); null if it is not
 * one we can resolve. */
export function parseImapUrl(url: string): ImapUrl | null {
  const m = URL_RE.exec(url);
  if (!m) return null;
  let path: string;
  let section: string;
  try {
    // RFC 5092 §3.1: names and sections are percent-encoded UTF-8
    path = normalizePath(decodeURIComponent(m[1]!), 'keep');
    section = decodeURIComponent(m[4] ?? '').toUpperCase();
  } catch {
    return null;
  }
  const uid = Number(m[3]);
  const uidValidity = m[2] ? Number(m[2]) : null;
  if (uid > 0xffffffff || (uidValidity !== null && uidValidity > 0xffffffff)) return null;
  const partial =
    m[5] !== undefined
      ? { start: Number(m[5]), length: m[6] ? Number(m[6]) : Number.MAX_SAFE_INTEGER }
      : null;
  return { path, uidValidity, uid, section, partial };
}

/** RFC 4469 §5 url-resp-text: no `]`, CR or LF inside the response code. */
function badUrl(url: string): Reply {
  const shown = url.replace(/[\]\r\n\0]/g, '').slice(0, 300);
  return no('Bad URL', { code: 'BADURL', url: shown });
}

async function openUrl(session: Session, url: ImapUrl): Promise<ContentStream | null> {
  const { store } = session;
  const box = await store.mailboxes.get(session.userId, url.path);
  if (!box || (url.uidValidity !== null && url.uidValidity !== box.uidValidity)) return null;
  const range = url.partial ? { start: url.partial.start, length: url.partial.length } : undefined;
  return url.section === ''
    ? store.messages.openRaw(session.userId, box.id, url.uid, range)
    : store.messages.openSection(session.userId, box.id, url.uid, url.section, range);
}

async function readAll(src: ContentStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of src.stream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/** The message the parts make, or the reply that refuses it: BADURL for a URL that names nothing
 * of the user's, TOOBIG past `max` bytes (RFC 4469 §5). */
export async function catenate(
  session: Session,
  parts: readonly CatPart[],
  max: number,
): Promise<Buffer | Reply> {
  const out: Buffer[] = [];
  let size = 0;
  const tooBig = () => no(`Message larger than the APPENDLIMIT of ${max} bytes`, 'TOOBIG');
  for (const part of parts) {
    if (part.kind === 'text') {
      size += part.data.length;
      if (size > max) return tooBig();
      out.push(part.data);
      continue;
    }
    const url = parseImapUrl(part.url);
    const src = url ? await openUrl(session, url) : null;
    if (!src) return badUrl(part.url);
    const length = url!.partial
      ? Math.max(0, Math.min(url!.partial.length, src.size - url!.partial.start))
      : src.size;
    if (size + length > max) {
      src.stream.destroy();
      return tooBig();
    }
    const data = await readAll(src);
    size += data.length;
    out.push(data);
  }
  return Buffer.concat(out);
}
