// A POP3 session's view of INBOX (RFC 1939 §5): the messages present at login, numbered from 1,
// with their sizes and UIDL values; deletions are marks until the UPDATE state applies them.
// Only {id, uid, size} per message is kept, so memory does not grow with message bodies.
import type { Store, MailboxInfo } from '../store/index.ts';

export interface DropMessage {
  /** Message id: reads go by id, the lookup every back end answers best. */
  id: string;
  uid: number;
  size: number;
  deleted: boolean;
}

export class Maildrop {
  private constructor(
    readonly inbox: MailboxInfo,
    readonly messages: DropMessage[],
  ) {}

  static async open(store: Store, user: string): Promise<Maildrop | null> {
    const inbox = await store.mailboxes.get(user, 'INBOX');
    if (!inbox) return null;
    const messages: DropMessage[] = [];
    if (inbox.uidNext > 1) {
      for await (const m of store.messages.fetch(user, inbox.id, [[1, inbox.uidNext]], ['size'])) {
        messages.push({ id: m.id, uid: m.uid, size: m.size ?? 0, deleted: false });
      }
    }
    return new Maildrop(inbox, messages);
  }

  /** The message numbered `n` (1-based) unless deleted; null otherwise. */
  get(n: number): DropMessage | null {
    const m = Number.isSafeInteger(n) && n >= 1 ? this.messages[n - 1] : undefined;
    return m && !m.deleted ? m : null;
  }

  /** Stable across sessions and restarts while INBOX exists (RFC 1939 §7 UIDL: 0x21–0x7E, ≤ 70 chars). */
  uidl(m: DropMessage): string {
    return `${this.inbox.uidValidity}.${m.uid}`;
  }

  stat(): { count: number; octets: number } {
    let count = 0;
    let octets = 0;
    for (const m of this.messages) {
      if (m.deleted) continue;
      count++;
      octets += m.size;
    }
    return { count, octets };
  }

  reset(): void {
    for (const m of this.messages) m.deleted = false;
  }

  deletedUids(): number[] {
    return this.messages.filter((m) => m.deleted).map((m) => m.uid);
  }
}

/** Collapses ascending UIDs into ranges for the store's UID sets. */
export function toUidSet(uids: number[]): Array<number | [number, number]> {
  const out: Array<number | [number, number]> = [];
  let start = -1;
  let prev = -1;
  for (const u of uids) {
    if (u === prev + 1 && start >= 0) {
      prev = u;
      continue;
    }
    if (start >= 0) out.push(start === prev ? start : [start, prev]);
    start = prev = u;
  }
  if (start >= 0) out.push(start === prev ? start : [start, prev]);
  return out;
}
