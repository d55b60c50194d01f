// Offset paging for lists built in memory: `page` or an opaque `next`/`previous` cursor picks the start.
import { z } from 'zod';
import { decodeCursor, encodeCursor } from './schemas.ts';
import { badInput } from './errors.ts';

const offsetCursor = z.object({
  o: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32),
});

export interface PagingQuery {
  limit?: number | undefined;
  page?: number | undefined;
  next?: string | undefined;
  previous?: string | undefined;
}

/** Where the requested page starts and how long it is; a cursor wins over `page`. */
export function pageWindow(query: PagingQuery): { start: number; limit: number } {
  const limit = query.limit ?? 20;
  let start = query.page ? (query.page - 1) * limit : 0;
  const cursor = query.next ?? query.previous;
  if (cursor) {
    const c = decodeCursor(cursor, offsetCursor);
    if (!c) throw badInput('query.next/previous: not a cursor from this API');
    start = c.o;
  }
  return { start, limit };
}

/** Page number and cursors to the neighbouring pages (false where there is none). */
export function pageLinks(start: number, limit: number, total: number) {
  return {
    page: Math.floor(start / limit) + 1,
    previousCursor: start > 0 ? encodeCursor({ o: Math.max(0, start - limit) }) : false,
    nextCursor: start + limit < total ? encodeCursor({ o: start + limit }) : false,
  };
}
