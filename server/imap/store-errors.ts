// Store refusals as IMAP response codes (RFC 5530).
import { isStoreError } from '../store/index.ts';
import { no, type Reply } from './command.ts';

/** A NO for a StoreError; `missingTarget` turns NOMAILBOX into TRYCREATE (COPY, MOVE, APPEND). */
export function storeErrorReply(err: unknown, opts: { missingTarget?: boolean } = {}): Reply | null {
  if (!isStoreError(err)) return null;
  switch (err.code) {
    case 'OVERQUOTA':
      return no('Quota exceeded', 'OVERQUOTA');
    case 'NOMAILBOX':
      // RFC 3501 §6.3.11 / §6.4.7: TRYCREATE tells the client that creating the target would help
      return opts.missingTarget ? no('No such mailbox', 'TRYCREATE') : no('No such mailbox', 'NONEXISTENT');
    case 'NOMESSAGE':
      return no('No such message', 'NONEXISTENT');
    case 'EXISTS':
      return no('Mailbox already exists', 'ALREADYEXISTS');
    case 'CANNOT':
      return no(err.message, 'CANNOT');
    case 'INVALID':
      return no(err.message, 'CANNOT');
    case 'DISABLED':
    case 'NOUSER':
      return no('Account unavailable', 'UNAVAILABLE');
  }
}
