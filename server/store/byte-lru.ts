// A map bounded by the bytes its entries are counted for, least recently used first out: what the
// content cache and the body cache hold (content-cache.ts, body-cache.ts).
export class ByteLru<V> {
  private readonly entries = new Map<string, V>();
  private bytes = 0;

  /** `costOf` counts an entry's bytes; one above `maxBytes / maxEntryFraction` is not kept, as it
   * would push out many. A `maxBytes` of 0 keeps nothing. */
  constructor(
    readonly maxBytes: number,
    private readonly costOf: (value: V) => number,
    private readonly maxEntryFraction: number,
  ) {}

  /** Whether an entry counted for `cost` bytes would be kept. */
  fits(cost: number): boolean {
    return cost * this.maxEntryFraction <= this.maxBytes;
  }

  /** The entry, now the most recently used. */
  get(key: string): V | undefined {
    const v = this.entries.get(key);
    if (v !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, v);
    }
    return v;
  }

  /** The entry, its use not counted. */
  peek(key: string): V | undefined {
    return this.entries.get(key);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Keeps `value` under `key` in place of what was there, unless it does not fit: then what was
   * there stays. Whether it was kept. */
  set(key: string, value: V): boolean {
    const cost = this.costOf(value);
    if (!this.fits(cost)) return false;
    this.delete(key);
    this.entries.set(key, value);
    this.bytes += cost;
    for (const [k, old] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= this.costOf(old);
    }
    return true;
  }

  delete(key: string): void {
    const v = this.entries.get(key);
    if (v === undefined) return;
    this.entries.delete(key);
    this.bytes -= this.costOf(v);
  }

  /** Bytes held, as counted against the bound. */
  get held(): number {
    return this.bytes;
  }

  get size(): number {
    return this.entries.size;
  }
}
