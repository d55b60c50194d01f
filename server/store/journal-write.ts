// Retries an ordered insert of journal entries until it holds (docs/ARCHITECTURE.md §3): pauses grow
// from FIRST_PAUSE_MS to MAX_PAUSE_MS, and after the time budget the last error is handed back.
// Entries carry their _id from the first attempt, so an attempt that wrote part of them before it
// failed (or whose answer was lost) is continued, never duplicated: entries already there are
// recognised by the duplicate-key error on their _id and skipped.

const FIRST_PAUSE_MS = 50;
const MAX_PAUSE_MS = 1000;

export interface WriteOutcome {
  attempts: number;
  /** The error of the first failed attempt, when there was one. */
  firstError?: unknown;
  /** Set when the write did not hold within the budget. */
  error?: unknown;
}

interface BulkFailure {
  writeErrors?: Array<{ index: number; code?: number }> | { index: number; code?: number };
  code?: number;
}

/** Where an ordered insert of the entries from `from` on stopped: how many of them went in, and
 * whether the one it stopped at was already there. Null when it cannot be told (nothing known). */
export function stoppedAt(err: unknown): { written: number; duplicate: boolean } | null {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as BulkFailure;
  const list = Array.isArray(e.writeErrors) ? e.writeErrors : e.writeErrors ? [e.writeErrors] : [];
  const first = list[0];
  if (first && Number.isInteger(first.index))
    return { written: first.index, duplicate: first.code === 11000 };
  // a single-document insert reports its duplicate key without a write error list
  if (e.code === 11000) return { written: 0, duplicate: true };
  return null;
}

export async function writeInOrder(
  count: number,
  attempt: (n: number, from: number) => Promise<unknown>,
  budgetMs: number,
): Promise<WriteOutcome> {
  const started = Date.now();
  let from = 0;
  let failures = 0;
  let firstError: unknown;
  for (let n = 1; ; n++) {
    try {
      await attempt(n, from);
      return failures ? { attempts: n, firstError } : { attempts: n };
    } catch (err) {
      const at = stoppedAt(err);
      if (at) from += at.written;
      if (at?.duplicate) {
        // written by an earlier attempt: go on with the next entry at once
        from += 1;
        if (from >= count) return failures ? { attempts: n, firstError } : { attempts: n };
        continue;
      }
      if (failures++ === 0) firstError = err;
      const pause = Math.min(MAX_PAUSE_MS, FIRST_PAUSE_MS * 2 ** (failures - 1));
      if (Date.now() - started + pause > budgetMs) return { attempts: n, firstError, error: err };
      await new Promise((r) => setTimeout(r, pause));
    }
  }
}
