// The live /events stream, shared by Overview, Activity and Logs so nothing is lost while another
// page is open. EventSource reconnects by itself; the status says when it is trying.
import { EventBuffer } from './event-buffer.ts';
import { normalizeEvent, type FeedEntry } from './events.ts';
import { pruneTimes } from './rate.ts';

export type FeedStatus = 'idle' | 'connecting' | 'open' | 'error';

// The event names /events sends; EventSource delivers a named event only to its own listener.
const NAMED_EVENTS = ['log', 'journal', 'auth', 'import'];

export class LiveFeed {
  readonly activity = new EventBuffer<FeedEntry>(2000, 20_000);
  readonly logs = new EventBuffer<FeedEntry>(5000, 50_000);
  /** Times of new messages, for the deliveries-per-minute chart. */
  deliveries: number[] = [];
  status: FeedStatus = 'idle';
  private source: EventSource | undefined;
  private url: string | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private seq = 0;
  private readonly listeners = new Set<() => void>();
  private readonly entryListeners = new Set<(entry: FeedEntry) => void>();

  connect(url: string): void {
    this.disconnect();
    this.url = url;
    const source = new EventSource(url);
    this.source = source;
    this.setStatus('connecting');
    source.onopen = () => this.setStatus('open');
    source.onerror = () => {
      if (source.readyState !== EventSource.CLOSED) {
        this.setStatus('connecting');
        return;
      }
      // EventSource gives up for good on an HTTP error (e.g. while the server restarts); try again later.
      this.setStatus('error');
      this.retry = setTimeout(() => this.url && this.connect(this.url), 10_000);
    };
    // A MessageEvent; typed through Event because the Node test project (no DOM library) compiles this too.
    const handle = (ev: Event) => this.receive(ev.type, (ev as Event & { data: string }).data);
    source.addEventListener('message', handle);
    for (const name of NAMED_EVENTS) source.addEventListener(name, handle);
  }

  disconnect(): void {
    clearTimeout(this.retry);
    this.retry = undefined;
    this.source?.close();
    this.source = undefined;
    this.setStatus('idle');
  }

  receive(type: string, data: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      parsed = data;
    }
    const entry = normalizeEvent(type, parsed, ++this.seq);
    if (entry.kind === 'log') {
      this.logs.push(entry);
      return;
    }
    this.activity.push(entry);
    for (const fn of this.entryListeners) fn(entry);
    if (entry.kind === 'delivery') {
      // one journal beacon can announce several new messages
      const count = typeof entry.raw.count === 'number' && entry.raw.count > 1 ? entry.raw.count : 1;
      for (let i = 0; i < Math.min(count, 5000); i++) this.deliveries.push(entry.time);
      if (this.deliveries.length > 5000) this.deliveries = pruneTimes(this.deliveries, Date.now(), 60);
    }
    this.notify();
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Every activity entry as it arrives, whether or not the Activity view is paused. */
  onEntry(fn: (entry: FeedEntry) => void): () => void {
    this.entryListeners.add(fn);
    return () => this.entryListeners.delete(fn);
  }

  private setStatus(status: FeedStatus): void {
    this.status = status;
    this.notify();
  }

  private notify(): void {
    for (const fn of this.listeners) fn();
  }
}
