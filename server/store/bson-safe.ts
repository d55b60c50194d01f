// FerretDB 1.24 rejects strings containing NUL. Text taken from a message (malformed headers,
// binary junk in a text part) or from users is made storable here; raw bytes stay untouched in
// the MIME tree as Binary.

/** Replaces NUL with U+FFFD. */
export function safeString(s: string): string {
  return s.includes('\0') ? s.replace(/\0/g, '\uFFFD') : s;
}

/** Deep copy of plain data with every string made safe; Dates, Buffers, ObjectIds etc. are kept. */
export function safeDeep<T>(v: T): T {
  if (typeof v === 'string') return safeString(v) as T;
  if (Array.isArray(v)) return v.map((x) => safeDeep(x)) as T;
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = safeDeep(x);
    return out as T;
  }
  return v;
}
