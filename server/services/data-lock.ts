// Who uses a data folder's embedded back ends: `<data>/nestbox.lock` names the holder (pid, host,
// start time). A second process that would start MongoDB and Redis on the same files is refused
// with the holder's name; a lock whose process is gone (same host, no such pid) is taken over.
import { hostname } from 'node:os';
import { join } from 'node:path';
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { UserError } from '../user-error.ts';

export interface LockHolder {
  pid: number;
  host: string;
  started: string;
  /** What holds it: `serve`, `import`, `export`. */
  command: string;
}

export const LOCK_FILE = 'nestbox.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // there, only not ours to signal
  }
}

export function readLock(dataDir: string): LockHolder | null {
  try {
    const h = JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')) as Partial<LockHolder>;
    if (typeof h.pid !== 'number' || typeof h.host !== 'string') return null;
    return { pid: h.pid, host: h.host, started: String(h.started ?? ''), command: String(h.command ?? '') };
  } catch {
    return null;
  }
}

/** Whether a lock's holder still runs (a holder on another host is taken to run). */
export function holderRuns(h: LockHolder): boolean {
  return h.host !== hostname() || alive(h.pid);
}

/** Takes the data folder's lock or throws a UserError naming its holder; returns the release. */
export function acquireDataLock(dataDir: string, command: string): () => void {
  const file = join(dataDir, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: hostname(), started: new Date().toISOString(), command };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(me) + '\n', { flag: 'wx', mode: 0o644 });
      return () => {
        if (readLock(dataDir)?.pid === me.pid && readLock(dataDir)?.host === me.host) {
          try {
            unlinkSync(file);
          } catch {
            // already gone
          }
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readLock(dataDir);
    if (holder && holderRuns(holder)) {
      throw new UserError(
        `the data folder ${dataDir} is in use by nestbox ${holder.command || ''} (pid ${holder.pid} on ${holder.host}, ` +
          `since ${holder.started}); stop it first, or delete ${file} if that process is gone`,
      );
    }
    // a stale lock (its process is gone) or an unreadable one: take it over
    try {
      unlinkSync(file);
    } catch {
      // another process took it over first: try again
    }
  }
  throw new UserError(`cannot take the lock ${file}; delete it if no nestbox runs on ${dataDir}`);
}
