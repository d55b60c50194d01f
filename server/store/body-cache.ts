// Attachment bodies kept apart in GridFS (docs/ARCHITECTURE.md §3) that this process read whole
// lately, by their SHA-256, so FETCH and RETR of a message that has one need no query on the files
// or chunks. Safe without invalidation: a body is stored once under its hash and never changes;
// it is found only through a message that references it.
import { ByteLru } from './byte-lru.ts';

/** Bodies above this fraction of the bound are not kept: one would push out many. */
const MAX_ENTRY_FRACTION = 8;

/** Least recently used bodies go first once the bytes held pass `maxBytes`; 0 keeps nothing. */
export class BodyCache {
  private readonly entries: ByteLru<Buffer>;

  constructor(maxBytes: number) {
    this.entries = new ByteLru(maxBytes, (b) => b.length, MAX_ENTRY_FRACTION);
  }

  /** Whether a body of `size` bytes would be kept. */
  keeps(size: number): boolean {
    return this.entries.fits(size);
  }

  get(sha256: string): Buffer | undefined {
    return this.entries.get(sha256);
  }

  /** Keeps `body` (the caller gives up the buffer: it must not change it afterwards). */
  put(sha256: string, body: Buffer): void {
    if (!this.entries.has(sha256)) this.entries.set(sha256, body);
  }
}
