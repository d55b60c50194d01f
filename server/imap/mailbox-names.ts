// Mailbox names from the wire to store paths: modified UTF-7 decoded (RFC 3501 §5.1.3), INBOX in
// any case is INBOX (RFC 3501 §5.1), one trailing delimiter dropped (RFC 3501 §6.3.3). What a new
// name may be is the store's rule (server/store/paths.ts), shared with the API.
import { DELIMITER } from '../store/index.ts';
import { ProtocolError } from './protocol/errors.ts';
import { decodeMutf7 } from './protocol/mutf7.ts';
import { astring } from './protocol/parse.ts';
import type { Token } from './protocol/reader.ts';

export function normalizePath(name: string, trailing: 'drop' | 'keep' = 'drop'): string {
  let path = decodeMutf7(name);
  if (trailing === 'drop' && path.length > 1 && path.endsWith(DELIMITER)) path = path.slice(0, -1);
  if (/^inbox$/i.test(path)) return 'INBOX';
  if (path.toUpperCase().startsWith(`INBOX${DELIMITER}`)) path = 'INBOX' + path.slice(5);
  return path;
}

/** A mailbox argument (an astring) as a store path. */
export function readMailbox(
  tok: Token | undefined,
  what = 'mailbox name',
  trailing: 'drop' | 'keep' = 'drop',
): string {
  const path = normalizePath(astring(tok, what), trailing);
  if (path === '') throw new ProtocolError('Empty mailbox name');
  return path;
}
