// LIST (RFC 3501 §6.3.8, RFC 3348 CHILDREN, RFC 6154 SPECIAL-USE attributes).
import { listCommand } from '../list-command.ts';
import { listEntries, matcher } from '../mailbox-list.ts';

export const list = listCommand('LIST', async (session, reference, pattern) => {
  // RFC 3501 §6.3.8: an empty pattern asks for the delimiter and the root of the reference
  if (pattern === '') return [{ path: '', attributes: ['\\Noselect'] }];
  const boxes = await session.store.mailboxes.list(session.userId);
  return listEntries(boxes, matcher(reference, pattern));
});
