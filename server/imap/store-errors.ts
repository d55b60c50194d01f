// Store refusals as IMAP response codes (RFC 5530).
import { JournalWriteError, isStoreError } from '../store/index.ts';
import { no, type Reply } from './command.ts';

/** A NO for a StoreError; `missingTarget` turns NOMAILBOX into TRYCREATE (COPY, MOVE, APPEND). */
export function storeErrorReply(err: unknown, opts: { missingTarget?: boolean } = {}): Reply | null {
  // the change is made but its journal entry is not (the store logged it): a temporary failure the
  // client may retry, RFC 5530 §3 UNAVAILABLE
  if (err instanceof JournalWriteError) return no('Temporary storage failure; try again', 'UNAVAILABLE');
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
    case 'RELAY_REQUIRED':
      // filters and autoreplies only; no IMAP command reaches them
      return no(err.message, 'CANNOT');
  }
}
