// Which message document holds UID n of a mailbox, remembered in this process.
// Why: FerretDB's SQLite handler hands only a bare `_id` filter to SQLite; for any other filter
// it decodes every message document of every user, which is many times slower (ARCHITECTURE §3).
// A (mailbox, uid) pair names at most one message for ever (UIDs only grow, and a moved message
// gets a new UID in its new mailbox), so a remembered _id can go stale only by that message
// leaving. Every read through it therefore re-checks mailbox and uid on the document it gets,
// and keeps it only when the mailbox index lists it (a FETCH of a few UIDs, Messages.fetch).
import type { ObjectId } from 'mongodb';

export class UidIds {
  /** mailbox hex → uid → message _id; mailboxes in the order first seen (evicted oldest first). */
  private readonly boxes = new Map<string, Map<number, ObjectId>>();
  private count = 0;

  constructor(private readonly max: number) {}

  get(mailbox: ObjectId, uid: number): ObjectId | undefined {
    return this.boxes.get(mailbox.toHexString())?.get(uid);
  }

  set(mailbox: ObjectId, uid: number, id: ObjectId): void {
    if (this.max <= 0) return;
    const key = mailbox.toHexString();
    let box = this.boxes.get(key);
    if (!box) {
      box = new Map();
      this.boxes.set(key, box);
    }
    if (!box.has(uid)) this.count++;
    box.set(uid, id);
    this.evict(key);
  }

  forget(mailbox: ObjectId, uid: number): void {
    const box = this.boxes.get(mailbox.toHexString());
    if (box?.delete(uid)) this.count--;
  }

  /** Drops whole mailboxes, oldest first, until under the bound; never the one just filled. */
  private evict(keep: string): void {
    for (const [key, box] of this.boxes) {
      if (this.count <= this.max) return;
      if (key === keep) continue;
      this.count -= box.size;
      this.boxes.delete(key);
    }
    if (this.count > this.max) {
      // a single mailbox larger than the bound: forget its oldest entries
      const box = this.boxes.get(keep)!;
      for (const uid of box.keys()) {
        if (this.count <= this.max) break;
        box.delete(uid);
        this.count--;
      }
    }
  }
}
