// What SEARCH, SORT and THREAD share: the charsets they take and the matching messages of the
// session's view.
import type { SearchKey } from './protocol/parse.ts';
import { toStoreKey } from './search-query.ts';
import type { Session } from './session.ts';

/** RFC 3501 §6.4.4: US-ASCII and UTF-8 (both read as UTF-8). */
export const CHARSETS = ['UTF-8', 'US-ASCII'];

/** UIDs of the messages in the session's view that match `key`, ascending. */
export async function findMatches(session: Session, key: SearchKey): Promise<number[]> {
  const box = session.selected!;
  const found = await session.store.messages.search(session.userId, box.id, toStoreKey(key, box));
  return found.filter((u) => box.has(u));
}
