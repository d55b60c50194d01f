// Attachment bodies kept apart in GridFS (docs/ARCHITECTURE.md §3) that this process read whole
// lately, by their SHA-256, so FETCH and RETR of a message that has one need no query on the files
// or chunks. Safe without invalidation: a body is stored once under its hash and never changes;
// it is found only through a message that references it.

/** Bodies above this fraction of the bound are not kept: one would push out many. */
const MAX_ENTRY_FRACTION = 8;

/** Least recently used bodies go first once the bytes held pass `maxBytes`; 0 keeps nothing. */
export class BodyCache {
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;

  constructor(readonly maxBytes: number) {}

  /** Whether a body of `size` bytes would be kept. */
  keeps(size: number): boolean {
    return size * MAX_ENTRY_FRACTION <= this.maxBytes;
  }

  get(sha256: string): Buffer | undefined {
    const b = this.entries.get(sha256);
    if (b) {
      this.entries.delete(sha256);
      this.entries.set(sha256, b);
    }
    return b;
  }

  /** Keeps `body` (the caller gives up the buffer: it must not change it afterwards). */
  put(sha256: string, body: Buffer): void {
    if (this.entries.has(sha256) || !this.keeps(body.length)) return;
    this.entries.set(sha256, body);
    this.bytes += body.length;
    for (const [k, old] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= old.length;
    }
  }
}
