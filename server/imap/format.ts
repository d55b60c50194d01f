// Response data formatting (RFC 3501 §9 string / astring / flag-list), shared by the commands.
import { encodeMutf7 } from './protocol/mutf7.ts';
import { serialize } from './protocol/response.ts';

/** A quoted string when it can be one, else a literal (RFC 3501 §4.3: CR, LF, 8-bit, NUL or long
 * text), as protocol/response.ts writes every string. */
export function str(value: string | Buffer): string {
  return serialize(value).toString('utf8');
}

export function nstr(value: string | null | undefined): string {
  return serialize(value ?? null).toString('utf8');
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
