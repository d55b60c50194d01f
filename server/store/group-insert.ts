// Group commit for inserts many writers make at once, as the journal entries of changes in different
// mailboxes are: while one insert is on its way, those that come meanwhile wait and go together in
// the next, so a busy process sends one command where it had several (on FerretDB each command is a
// transaction of its own, docs/ARCHITECTURE.md §10), and a writer alone waits for nothing. Each
// writer's documents go in the order given, after those of the writers before it (one ordered
// insert). When an insert fails, the writers wholly before where it stopped are in; the others get
// the error, without its position in the group, and write again on their own (journal-write.ts
// skips what went in).
import { stoppedAt } from './journal-write.ts';

/** Documents one insert takes at most: past it, the rest wait for the next. */
const GROUP_DOCS_MAX = 1000;

interface Writer<D> {
  docs: D[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** The error a writer in a failed group gets: the insert's own, with no position to misread. */
export class GroupInsertError extends Error {
  constructor(cause: unknown) {
    super(`grouped insert failed: ${String(cause)}`, { cause });
  }
}

export class GroupInsert<D> {
  private waiting: Array<Writer<D>> = [];
  private busy = false;

  constructor(private readonly insert: (docs: D[]) => Promise<unknown>) {}

  /** Resolves once `docs` are in, with the writers that came meanwhile. */
  add(docs: D[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ docs, resolve, reject });
      if (!this.busy) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.busy = true;
    while (this.waiting.length) {
      const group: Array<Writer<D>> = [];
      let count = 0;
      while (
        this.waiting.length &&
        (group.length === 0 || count + this.waiting[0]!.docs.length <= GROUP_DOCS_MAX)
      ) {
        const w = this.waiting.shift()!;
        group.push(w);
        count += w.docs.length;
      }
      try {
        await this.insert(group.flatMap((w) => w.docs));
        for (const w of group) w.resolve();
      } catch (err) {
        const written = stoppedAt(err)?.written ?? 0;
        let offset = 0;
        for (const w of group) {
          if (offset + w.docs.length <= written) w.resolve();
          else w.reject(new GroupInsertError(err));
          offset += w.docs.length;
        }
      }
    }
    this.busy = false;
  }
}
