// Overlaps the reads of a FETCH: while one message is written out, the next few are being read,
// so a range costs about one round trip per `depth` messages instead of one each.

/** Yields each item of `source` with the result of `read(item)`, in order, with up to `depth`
 * reads in flight. */
export async function* readAhead<T, R>(
  source: AsyncIterable<T>,
  read: (item: T) => Promise<R>,
  depth: number,
): AsyncIterable<[T, R]> {
  const pending: Array<[T, Promise<R>]> = [];
  for await (const item of source) {
    const p = read(item);
    p.catch(() => undefined); // awaited in order below; never an unhandled rejection meanwhile
    pending.push([item, p]);
    if (pending.length >= depth) {
      const [it, r] = pending.shift()!;
      yield [it, await r];
    }
  }
  while (pending.length) {
    const [it, r] = pending.shift()!;
    yield [it, await r];
  }
}
