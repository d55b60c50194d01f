// Zod building blocks shared by the routes. Query values arrive as strings, so numbers and booleans
// are coerced here; every schema stays representable in JSON Schema for /openapi.json.
import { z } from 'zod';

export const objectId = z.string().regex(/^[0-9a-f]{24}$/i, 'must be a 24-character hex id');

/** `:user` — a user id, a username, or `me` for the owner of a user token. */
export const userParam = z
  .string()
  .regex(/^([0-9a-f]{24}|me|[a-z0-9][a-z0-9._-]{0,63})$/i, 'must be a user id, a username or "me"');

/** Query booleans: true/false, 1/0, yes/no. */
export const qbool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Whole number in a query string, bounded so nothing reaches the database out of range. */
export const qint = (min: number, max: number) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

/** An instant as an ISO 8601 string (or anything Date.parse understands). */
export const dateString = z
  .string()
  .max(64)
  .refine((s) => !Number.isNaN(Date.parse(s)), 'must be a date (ISO 8601)')
  .transform((s) => new Date(s));

export const pagingQuery = {
  limit: qint(1, 250).optional(),
  next: z.string().max(200).optional(),
  previous: z.string().max(200).optional(),
  page: qint(1, 1_000_000).optional(),
};

/** Every answer that carries no data of its own. */
export const successSchema = z.object({ success: z.literal(true) });
export const successIdSchema = z.object({ success: z.literal(true), id: z.string() });
export const errorSchema = z.object({ error: z.string(), code: z.string() });

/** Opaque paging cursors: base64url of a small JSON value. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T>(cursor: string, schema: z.ZodType<T>): T | null {
  try {
    const r = schema.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}
