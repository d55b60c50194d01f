// Sequence sets (RFC 3501 §9 sequence-set, RFC 9051 §9): `1:4,7,9:*`, as number ranges with
// `*` left symbolic until the session knows what it means.
import { ParseError } from './tokens.ts';

/** `*` is represented as Infinity until resolved against a mailbox. */
export type SeqRange = readonly [number, number];

const MAX_UINT32 = 4294967295;

function num(s: string): number {
  if (s === '*') return Infinity;
  if (!/^[1-9][0-9]{0,9}$/.test(s)) throw new ParseError(`bad sequence number ${JSON.stringify(s)}`);
  const n = Number(s);
  if (n > MAX_UINT32) throw new ParseError('sequence number out of range');
  return n;
}

export function parseSequenceSet(text: string): SeqRange[] {
  if (text === '') throw new ParseError('empty sequence set');
  return text.split(',').map((part) => {
    const colon = part.indexOf(':');
    if (colon < 0) {
      const n = num(part);
      return [n, n] as const;
    }
    const a = num(part.slice(0, colon));
    const b = num(part.slice(colon + 1));
    // RFC 3501 §9: `4:2` and `2:4` are the same set
    return a <= b ? ([a, b] as const) : ([b, a] as const);
  });
}

/** `*` replaced by `max` (RFC 3501 §6.4.8: for `n:*` with n > max the range is max:n). */
export function resolveStar(ranges: readonly SeqRange[], max: number): Array<[number, number]> {
  return ranges.map(([a, b]) => {
    const lo = a === Infinity ? max : a;
    const hi = b === Infinity ? max : b;
    return lo <= hi ? [lo, hi] : [hi, lo];
  });
}

/** Compact textual form of sorted numbers: `1:3,7,9:10`. */
export function formatSet(nums: readonly number[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < nums.length) {
    let j = i;
    while (j + 1 < nums.length && nums[j + 1] === nums[j]! + 1) j++;
    out.push(i === j ? String(nums[i]) : `${nums[i]}:${nums[j]}`);
    i = j + 1;
  }
  return out.join(',');
}
