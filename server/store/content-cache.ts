// What reading a message's bytes needs (its packed MIME tree, size and attachment references), for
// the messages this process stored or read lately, so FETCH of bodies and POP3 RETR of them need
// no database read (docs/ARCHITECTURE.md §3, "The content cache"). On FerretDB every query on the
// messages is a pass over the collection; Dovecot gets the same from the kernel's page cache.
// Safe without invalidation: a message's content never changes once stored, and an entry is found
// only through the message's `_id` as the mailbox index lists it, so an expunged message (gone from
// the index) is never served from here.
import { Binary } from 'mongodb';

export interface CachedContent {
  content: Buffer;
  size: number;
  attachmentRefs: string[];
}

/** Entries above this size are not kept: one large tree would push out many small messages. */
const MAX_ENTRY_FRACTION = 16;

/** Bytes an entry is counted for besides its tree (map slot, object, references). */
const ENTRY_OVERHEAD = 200;

/**
 * Least recently used entries go first once the bytes held pass `maxBytes`; 0 keeps nothing.
 * The trees are copied into buffers of their own, so an entry never holds on to a larger buffer
 * (a whole database reply) it was cut from.
 */
export class ContentCache {
  private readonly entries = new Map<string, CachedContent>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(id: string): CachedContent | undefined {
    const e = this.entries.get(id);
    if (e) {
      this.entries.delete(id);
      this.entries.set(id, e);
    }
    return e;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  /** Keeps a message's content, as stored (a Binary) or as read (a Buffer). */
  put(
    id: string,
    d: { content: Binary | Buffer | Uint8Array; size: number; attachmentRefs?: string[] | undefined },
  ): void {
    if (this.entries.has(id)) return;
    const stored = d.content instanceof Binary ? d.content.buffer : d.content;
    const cost = stored.byteLength + ENTRY_OVERHEAD;
    if (cost * MAX_ENTRY_FRACTION > this.maxBytes) return;
    const content = Buffer.allocUnsafeSlow(stored.byteLength);
    content.set(stored);
    this.entries.set(id, { content, size: d.size, attachmentRefs: [...(d.attachmentRefs ?? [])] });
    this.bytes += cost;
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= e.content.byteLength + ENTRY_OVERHEAD;
    }
  }

  delete(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    this.entries.delete(id);
    this.bytes -= e.content.byteLength + ENTRY_OVERHEAD;
  }

  /** Bytes held, as counted against the bound. */
  get held(): number {
    return this.bytes;
  }

  get size(): number {
    return this.entries.size;
  }
}
