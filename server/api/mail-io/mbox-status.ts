// Flags in an mbox, as mutt and Dovecot keep them: `Status:` (R = \Seen, O = old), `X-Status:`
// (A = \Answered, F = \Flagged, T = \Draft, D = \Deleted) and `X-Keywords:` (keywords).
// The exporter puts all three, in this order and with the message's own line end, in front of the
// stored bytes; the importer takes exactly such a block off again, so a message exported and
// imported back is byte for byte what was stored. Headers written by other programs (anywhere in
// the header, in any form) are read for flags and left in the message.

const X_STATUS: Array<[string, string]> = [
  ['A', '\\Answered'],
  ['F', '\\Flagged'],
  ['T', '\\Draft'],
  ['D', '\\Deleted'],
];

const isKeyword = (f: string) => !f.startsWith('\\');

/** The block the exporter puts before a message's bytes. */
export function statusBlock(flags: readonly string[], raw: Buffer): Buffer {
  const nl = raw.indexOf(0x0a);
  const eol = nl > 0 && raw[nl - 1] === 0x0d ? '\r\n' : '\n';
  const has = new Set(flags);
  const status = (has.has('\\Seen') ? 'R' : '') + 'O';
  const x = X_STATUS.filter(([, f]) => has.has(f))
    .map(([c]) => c)
    .join('');
  const keywords = flags.filter(isKeyword).join(' ');
  return Buffer.from(
    `Status: ${status}${eol}X-Status:${x ? ' ' + x : ''}${eol}X-Keywords:${keywords ? ' ' + keywords : ''}${eol}`,
    'latin1',
  );
}

// Exactly what statusBlock writes: three unfolded lines with one line end, at the very start.
const BLOCK =
  /^Status: (R?O)(\r?\n)X-Status:(?: (A?F?T?D?))?\2X-Keywords:(?: ([\x21-\x7e]+(?: [\x21-\x7e]+)*))?\2(?![ \t])/;

/** Takes the exporter's block off the front of a message: the stored bytes and their flags. */
export function takeStatusBlock(raw: Buffer): { raw: Buffer; flags: string[] } | null {
  const head = raw.subarray(0, 4096).toString('latin1');
  const m = BLOCK.exec(head);
  if (!m) return null;
  const flags: string[] = [];
  if (m[1]!.includes('R')) flags.push('\\Seen');
  for (const [c, f] of X_STATUS) if ((m[3] ?? '').includes(c)) flags.push(f);
  if (m[4]) flags.push(...m[4].split(' '));
  return { raw: raw.subarray(Buffer.byteLength(m[0], 'latin1')), flags };
}

/** Flags from Status / X-Status / X-Keywords anywhere in the header (read only: bytes stay). */
export function mboxHeaderFlags(raw: Buffer): string[] {
  const lf = raw.indexOf('\n\n');
  const crlf = raw.indexOf('\r\n\r\n');
  const ends = [lf, crlf].filter((i) => i >= 0);
  const end = ends.length ? Math.min(...ends) : Math.min(raw.length, 64 * 1024);
  const head = raw
    .subarray(0, end)
    .toString('latin1')
    .replace(/\r?\n[ \t]+/g, ' ');
  const flags = new Set<string>();
  const status = /^Status:[ \t]*([A-Za-z]*)/im.exec(head)?.[1] ?? '';
  const xstatus = /^X-Status:[ \t]*([A-Za-z]*)/im.exec(head)?.[1] ?? '';
  if (status.includes('R')) flags.add('\\Seen');
  for (const [c, f] of X_STATUS) if (xstatus.includes(c)) flags.add(f);
  const keywords = /^X-Keywords:[ \t]*([^\r\n]*)/im.exec(head)?.[1] ?? '';
  for (const k of keywords.split(/[\s,]+/))
    if (/^[\x21-\x7e]+$/.test(k) && !/[(){%*"\\\]]/.test(k)) flags.add(k);
  return [...flags];
}
