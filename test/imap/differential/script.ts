// The differential scripts' format (test/imap/differential/scripts/*.imap), read into steps.
// See test/imap/differential.test.ts for the format's description.

/** One piece of a client line: text, or a literal named by a message block. */
export type Part = string | { block: string; nonSync: boolean };

export interface Step {
  /** C: compare every response; P: compare only the tagged status (setup). */
  kind: 'C' | 'P';
  /** 1 or 2: which of the script's two connections sends it. */
  conn: number;
  tag: string;
  /** The line as written in the script (what the transcript shows). */
  text: string;
  parts: Part[];
}

export interface Script {
  steps: Step[];
  blocks: Map<string, Buffer>;
}

/** Message blocks: `=== name` … `===`, every line ended with CRLF. */
export function readBlocks(lines: string[], into: Map<string, Buffer>, where: string): string[] {
  const rest: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^=== (\S+)$/.exec(lines[i]!);
    if (!open) {
      rest.push(lines[i]!);
      continue;
    }
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '==='; i++) body.push(lines[i]!);
    if (i >= lines.length) throw new Error(`${where}: block ${open[1]} has no closing ===`);
    into.set(open[1]!, Buffer.from(body.map((l) => `${l}\r\n`).join(''), 'utf8'));
    rest.push('');
  }
  return rest;
}

export function parseScript(text: string, shared: Map<string, Buffer>, name: string): Script {
  const blocks = new Map(shared);
  const lines = readBlocks(text.split(/\r?\n/), blocks, name);
  const steps: Step[] = [];
  lines.forEach((line, n) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const m = /^([CP])(2?): (\S+) (.*)$/.exec(line);
    if (!m) throw new Error(`${name}:${n + 1}: not a step: ${line}`);
    const parts: Part[] = [];
    let last = 0;
    for (const lit of line.matchAll(/\{@([\w-]+)(\+?)\}/g)) {
      if (!blocks.has(lit[1]!)) throw new Error(`${name}:${n + 1}: no block ${lit[1]}`);
      parts.push(line.slice(last, lit.index));
      parts.push({ block: lit[1]!, nonSync: lit[2] === '+' });
      last = lit.index + lit[0].length;
    }
    parts.push(line.slice(last));
    parts[0] = (parts[0] as string).slice(m[1]!.length + m[2]!.length + 2);
    steps.push({ kind: m[1] as 'C' | 'P', conn: m[2] ? 2 : 1, tag: m[3]!, text: line, parts });
  });
  return { steps, blocks };
}
