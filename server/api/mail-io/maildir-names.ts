// Names in a Maildir++ tree, as Dovecot writes them: INBOX is the root, every other folder is
// `.Parent.Child` next to it, each level in modified UTF-7 (RFC 3501 §5.1.3), a `.` or `~` inside a
// level written `~2e` / `~7e` (Dovecot's escaping with `~` as its escape character: the usual `\`
// is a path separator to many zip readers, yauzl's included). Flags are the letters after `:2,` in ASCII
// order; keywords are the letters a–z, listed per folder in `dovecot-keywords` ("<n> <keyword>").
import { decodeMutf7, encodeMutf7 } from '../../imap/protocol/mutf7.ts';

/** System flag ↔ Maildir letter (cr.yp.to/proto/maildir.html; P is kept as $Forwarded). */
export const FLAG_LETTERS: Record<string, string> = {
  D: '\\Draft',
  F: '\\Flagged',
  P: '$Forwarded',
  R: '\\Answered',
  S: '\\Seen',
  T: '\\Deleted',
};
const LETTER_OF = new Map(Object.entries(FLAG_LETTERS).map(([l, f]) => [f, l]));

/** Keyword letters a–z: at most 26 keywords per folder fit in file names. */
export const KEYWORD_LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** The folder of a mailbox path inside the tree: '' for INBOX, else `.Level.Level`. */
export function maildirFolder(path: string): string {
  if (path.toUpperCase() === 'INBOX') return '';
  return (
    '.' +
    path
      .split('/')
      .map((level) => encodeMutf7(level).replace(/~/g, '~7e').replace(/\./g, '~2e'))
      .join('.')
  );
}

/** The mailbox path of a `.Level.Level` folder name (without the leading dot). */
export function mailboxPathOf(folder: string): string {
  return folder
    .split('.')
    .filter((s) => s)
    .map((level) => {
      const unescaped = level.replace(/~([0-9a-fA-F]{2})/g, (_, h: string) =>
        String.fromCharCode(parseInt(h, 16)),
      );
      try {
        return decodeMutf7(unescaped);
      } catch {
        return unescaped; // not modified UTF-7: take the name as it is
      }
    })
    .join('/');
}

/** The `:2,` info of a message: system letters, then the keyword letters, each in ASCII order. */
export function maildirInfo(
  flags: readonly string[],
  keywordLetter: (k: string) => string | undefined,
): string {
  const letters: string[] = [];
  for (const f of flags) {
    const l = LETTER_OF.get(f) ?? (f.startsWith('\\') ? undefined : keywordLetter(f));
    if (l) letters.push(l);
  }
  return ':2,' + [...new Set(letters)].sort().join('');
}

/** Flags of a Maildir file name: the letters after `:2,` (or `!2,` / `;2,` where ':' cannot be). */
export function maildirFlags(name: string, inNew: boolean, keywords: readonly string[] = []): string[] {
  const m = /[:!;]2,([A-Za-z]*)$/.exec(name);
  const flags = new Set<string>();
  for (const c of m?.[1] ?? '') {
    if (FLAG_LETTERS[c]) flags.add(FLAG_LETTERS[c]);
    const k = KEYWORD_LETTERS.indexOf(c);
    if (k >= 0 && keywords[k]) flags.add(keywords[k]);
  }
  if (inNew) flags.delete('\\Seen');
  return [...flags];
}

/** `dovecot-keywords` → keyword by letter index. */
export function parseDovecotKeywords(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^(\d+) (\S+)$/.exec(line);
    if (m && Number(m[1]) < KEYWORD_LETTERS.length) out[Number(m[1])] = m[2]!;
  }
  return out;
}
