// Response data formatting (RFC 3501 §9 string / astring / flag-list), shared by the commands.
import { encodeMutf7 } from './protocol/mutf7.ts';

/** A quoted string when it can be one, else a literal (CR, LF, 8-bit, NUL or long text). */
export function str(value: string | Buffer): string {
  const s = typeof value === 'string' ? value : value.toString('utf8');
  if (s.length < 1024 && /^[\x01-\x09\x0b\x0c\x0e-\x7f]*$/.test(s)) {
    return `"${s.replace(/[\\"]/g, (c) => '\\' + c)}"`;
  }
  return `{${Buffer.byteLength(s)}}\r\n${s}`;
}

export function nstr(value: string | null | undefined): string {
  return value === null || value === undefined ? 'NIL' : str(value);
}

/** A mailbox name as it goes out: modified UTF-7 (RFC 3501 §5.1.3), quoted. */
export function mailboxName(path: string): string {
  return str(encodeMutf7(path));
}

export function flagList(flags: readonly string[], recent = false): string {
  return `(${recent ? [...flags, '\\Recent'].join(' ') : flags.join(' ')})`;
}

/** The system flags every mailbox supports (RFC 3501 §2.3.2); keywords are allowed too. */
export const SYSTEM_FLAGS = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'];
