// Progress of an import or export on stderr: a bar redrawn in place on a terminal, otherwise one
// plain line every few seconds (logs and pipes read it line by line). Both give true counts —
// messages done of how many when known, else how much of the file was read — and a rate.

/** How often a line is written when stderr is not a terminal. */
const PIPED_EVERY_MS = 3000;
const TTY_EVERY_MS = 100;

export interface ProgressState {
  done: number;
  /** Messages in all, when known. */
  total: number | null;
  /** Fraction of the input read, 0–1, when the total is not known. */
  fraction?: number;
}

export interface ProgressOutput {
  isTTY?: boolean;
  write(text: string): unknown;
}

const fmt = (n: number) => n.toLocaleString('en-US');

export function describeProgress(verb: string, s: ProgressState, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? (s.done * 1000) / elapsedMs : 0;
  const of = s.total !== null ? `${fmt(s.done)}/${fmt(s.total)} messages` : `${fmt(s.done)} messages`;
  const share =
    s.total !== null
      ? s.total > 0
        ? ` (${Math.floor((s.done / s.total) * 100)}%)`
        : ''
      : s.fraction !== undefined
        ? ` (${Math.floor(s.fraction * 100)}% of the file)`
        : '';
  return `${verb} ${of}${share}, ${rate >= 10 ? Math.round(rate) : rate.toFixed(1)} messages/s`;
}

export class Progress {
  private readonly start: number;
  private last = 0;
  private state: ProgressState = { done: 0, total: null };
  private drawn = false;

  constructor(
    private readonly verb: string,
    private readonly out: ProgressOutput = process.stderr,
    private readonly now: () => number = Date.now,
  ) {
    this.start = now();
  }

  update(state: ProgressState): void {
    this.state = state;
    const t = this.now();
    if (t - this.last < (this.out.isTTY ? TTY_EVERY_MS : PIPED_EVERY_MS)) return;
    this.last = t;
    this.draw();
  }

  private draw(): void {
    const line = describeProgress(this.verb, this.state, this.now() - this.start);
    if (!this.out.isTTY) {
      this.out.write(line + '\n');
      return;
    }
    const width = 24;
    const s = this.state;
    const f = s.total ? s.done / s.total : (s.fraction ?? 0);
    const filled = Math.round(Math.max(0, Math.min(1, f)) * width);
    this.out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${line}\x1b[K`);
    this.drawn = true;
  }

  /** The last state, drawn once more, and the line ended. */
  finish(state?: ProgressState): void {
    if (state) this.state = state;
    this.draw();
    if (this.out.isTTY && this.drawn) this.out.write('\n');
  }
}
