export class BackendError extends Error {
  override name = 'BackendError';
}

/** The first line of an error, plus the download failure's detail when there is one. */
function reasonOf(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const detail = (cause as { msg?: unknown }).msg;
  const first = cause.message.split('\n')[0]!.replace(/,?\s*Details:\s*$/, '');
  return typeof detail === 'string' && !first.includes(detail) ? `${first}: ${detail}` : first;
}

/** Why an embedded back end could not start, with what the user can do about it. */
export function embeddedUnavailable(what: 'MongoDB' | 'Redis', cause: unknown): BackendError {
  return new BackendError(
    `cannot start the embedded ${what} (${reasonOf(cause)}). Either set MONGODB_URI and REDIS_URL to use an ` +
      `existing MongoDB and Redis, or set MONGOMS_SYSTEM_BINARY / REDISMS_SYSTEM_BINARY to a local mongod / ` +
      `redis-server binary when they cannot be downloaded.`,
  );
}

/**
 * Runs `fn` with console.warn/console.error captured: the memory-server packages print their own
 * multi-line reports there, which would bury the one line that says what to do.
 */
export async function quietly<T>(fn: () => Promise<T>, sink: (line: string) => void): Promise<T> {
  const { warn, error } = console;
  const capture = (...args: unknown[]) => sink(args.map(String).join(' '));
  console.warn = capture;
  console.error = capture;
  try {
    return await fn();
  } finally {
    console.warn = warn;
    console.error = error;
  }
}
