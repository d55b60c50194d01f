// The in-memory ring of recent log entries that the API streams to the dashboard.
import { EventEmitter } from 'node:events';

export interface LogEntry {
  time: number;
  level: number;
  msg: string;
  [key: string]: unknown;
}

export class LogRing extends EventEmitter {
  private readonly entries: LogEntry[] = [];
  constructor(private readonly capacity = 1000) {
    super();
  }

  /** pino destination interface: one JSON line per call. */
  write(line: string): void {
    let entry: LogEntry;
    try {
      entry = JSON.parse(line) as LogEntry;
    } catch {
      return;
    }
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.shift();
    this.emit('entry', entry);
  }

  recent(limit = this.capacity): LogEntry[] {
    return this.entries.slice(-limit);
  }
}
