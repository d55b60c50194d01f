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
