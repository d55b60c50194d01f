// MODSEQs on the wire (RFC 7162 §3.1.1): a mod-sequence value is positive, but a mailbox that never
// changed has the stored MODSEQ 0. So the wire value is the stored one plus 1 everywhere — a fresh
// mailbox has HIGHESTMODSEQ 1 and its first change MODSEQ 2 — and a value a client sends is turned
// back before it is compared (docs/ARCHITECTURE.md §6).

/** The value a client sees for a stored MODSEQ. */
export function wireModseq(stored: number): number {
  return stored + 1;
}

/** The stored MODSEQ a client's value stands for (0 from a client becomes -1: before everything). */
export function storedModseq(wire: number): number {
  return wire - 1;
}
