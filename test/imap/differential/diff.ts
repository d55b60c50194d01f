// A line diff of two transcripts for a failure message: "-" Dovecot's lines, "+" Nestbox's, two
// lines of context around each change. Transcripts are short (LCS over a few hundred lines).

export function lineDiff(expected: string[], actual: string[], context = 2): string {
  const n = expected.length;
  const m = actual.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i]![j] =
        expected[i] === actual[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const ops: Array<[' ' | '-' | '+', string]> = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && expected[i] === actual[j]) {
      ops.push([' ', expected[i++]!]);
      j++;
    } else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) ops.push(['+', actual[j++]!]);
    else ops.push(['-', expected[i++]!]);
  }
  const show = ops.map((_, k) =>
    ops.slice(Math.max(0, k - context), k + context + 1).some(([o]) => o !== ' '),
  );
  const out: string[] = [];
  ops.forEach(([op, line], k) => {
    if (show[k]) out.push(`${op} ${line.replace(/\r/g, '\\r').replace(/\n/g, '\\n')}`);
    else if (show[k - 1]) out.push('  …');
  });
  return out.join('\n');
}
