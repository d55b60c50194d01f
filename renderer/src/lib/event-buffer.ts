// A bounded feed that can be paused: while paused, new entries wait in a side queue and the
// visible list stays still; resume() appends them in arrival order, so nothing is lost.

export interface BufferSnapshot<T> {
  entries: readonly T[];
  paused: boolean;
  /** Entries that arrived while paused and are not shown yet. */
  pending: number;
  /** Entries dropped because the buffer was full (oldest first). */
  dropped: number;
}

export class EventBuffer<T> {
  private shown: T[] = [];
  private queued: T[] = [];
  private isPaused = false;
  private droppedCount = 0;
  private readonly listeners = new Set<(s: BufferSnapshot<T>) => void>();
  readonly capacity: number;
  /** Extra room for the queue while paused, so a long pause keeps everything up to this many. */
  readonly pauseCapacity: number;

  constructor(capacity = 2000, pauseCapacity = 20_000) {
    this.capacity = capacity;
    this.pauseCapacity = pauseCapacity;
  }

  push(...items: T[]): void {
    if (!items.length) return;
    if (this.isPaused) {
      this.queued.push(...items);
      this.trim(this.queued, this.pauseCapacity);
    } else {
      this.shown.push(...items);
      this.trim(this.shown, this.capacity);
    }
    this.emit();
  }

  pause(): void {
    if (this.isPaused) return;
    this.isPaused = true;
    this.emit();
  }

  resume(): void {
    if (!this.isPaused) return;
    this.isPaused = false;
    const queued = this.queued;
    this.queued = [];
    // Scrolling old entries out of view on resume is expected, not a loss: they were shown.
    this.shown.push(...queued);
    if (this.shown.length > this.capacity) this.shown.splice(0, this.shown.length - this.capacity);
    this.emit();
  }

  toggle(): void {
    if (this.isPaused) this.resume();
    else this.pause();
  }

  clear(): void {
    this.shown = [];
    this.queued = [];
    this.droppedCount = 0;
    this.emit();
  }

  /** Everything received and kept, shown or waiting, in arrival order. */
  all(): T[] {
    return [...this.shown, ...this.queued];
  }

  snapshot(): BufferSnapshot<T> {
    return {
      entries: this.shown.slice(),
      paused: this.isPaused,
      pending: this.queued.length,
      dropped: this.droppedCount,
    };
  }

  subscribe(fn: (s: BufferSnapshot<T>) => void): () => void {
    this.listeners.add(fn);
    fn(this.snapshot());
    return () => this.listeners.delete(fn);
  }

  private trim(list: T[], max: number): void {
    if (list.length <= max) return;
    const extra = list.length - max;
    list.splice(0, extra);
    this.droppedCount += extra;
  }

  private emit(): void {
    if (!this.listeners.size) return;
    const snap = this.snapshot();
    for (const fn of this.listeners) fn(snap);
  }
}
