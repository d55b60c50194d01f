// Mailbox path rules: UTF-8, `/`-delimited, no empty segments, INBOX spelled `INBOX`.
import { StoreError } from './errors.ts';

export const MAX_PATH_BYTES = 1024;

export function normalizePath(path: string): string {
  if (typeof path !== 'string' || path.length === 0) throw new StoreError('INVALID', 'empty mailbox name');
  const p = path.normalize('NFC');
  if (/[\0\r\n]/.test(p)) throw new StoreError('INVALID', 'mailbox name contains control characters');
  const segs = p.split('/');
  if (segs.some((s) => s.length === 0)) throw new StoreError('INVALID', 'mailbox name has an empty level');
  if (segs[0]!.toUpperCase() === 'INBOX') segs[0] = 'INBOX';
  const out = segs.join('/');
  if (Buffer.byteLength(out) > MAX_PATH_BYTES) throw new StoreError('INVALID', 'mailbox name too long');
  return out;
}

/**
 * The name a new mailbox may take (create, rename target), normalised. Stricter than a lookup:
 * names stored before these rules stay reachable by `normalizePath`, but no new one may
 * - contain `%` or `*`, the LIST wildcards (RFC 3501 §6.3.8): such a name cannot be listed alone;
 * - have an empty level (`a//b`, a leading or trailing `/`), a level of only spaces (invisible in a
 *   folder list), or a `.` / `..` level, which reads as a path that leaves its parent wherever
 *   names become file names (export, Maildir);
 * - contain control characters, or lone UTF-16 surrogates, which modified UTF-7
 *   (RFC 3501 §5.1.3) cannot carry to an IMAP client.
 */
export function newMailboxPath(path: string): string {
  const p = normalizePath(path);
  if (/[\u0000-\u001f\u007f-\u009f]/.test(p)) {
    throw new StoreError('INVALID', 'mailbox name contains control characters');
  }
  if (/[%*]/.test(p)) throw new StoreError('INVALID', 'mailbox name contains a wildcard (% or *)');
  const levels = p.split('/');
  if (levels.some((s) => s.trim() === '')) throw new StoreError('INVALID', 'mailbox name has a blank level');
  if (levels.some((s) => s === '.' || s === '..')) {
    throw new StoreError('INVALID', 'mailbox name has a "." or ".." level');
  }
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(p)) {
    throw new StoreError('INVALID', 'mailbox name is not valid Unicode (lone surrogate)');
  }
  return p;
}

/** `a/b/c` → [`a`, `a/b`]. */
export function parentPaths(path: string): string[] {
  const segs = path.split('/');
  const out: string[] = [];
  for (let i = 1; i < segs.length; i++) out.push(segs.slice(0, i).join('/'));
  return out;
}

export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
