// LSUB (RFC 3501 §6.3.9).
import { listCommand } from '../list-command.ts';
import { lsubEntries, matcher } from '../mailbox-list.ts';

export const lsub = listCommand('LSUB', async (session, reference, pattern) => {
  if (pattern === '') return [];
  const subscribed = await session.store.mailboxes.subscriptions(session.userId);
  return lsubEntries(subscribed, matcher(reference, pattern), pattern.endsWith('%'));
});
