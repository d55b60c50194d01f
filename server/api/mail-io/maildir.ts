// A zip of a Maildir tree → messages with their folder, flags and internal date. Understands
// Maildir++ (`.Folder.Sub` next to the root's cur/new/tmp) and the nested "fs" layout (`Folder/Sub/cur`).
import yauzl from 'yauzl';
import type { Readable } from 'node:stream';

export interface MaildirMessage {
  folder: string;
  raw: Buffer;
  flags: string[];
  idate: Date | null;
}

const FLAG_LETTERS: Record<string, string> = {
  S: '\\Seen',
  R: '\\Answered',
  F: '\\Flagged',
  T: '\\Deleted',
  D: '\\Draft',
  P: '$Forwarded',
};

export class ZipFormatError extends Error {}

/** Flags of a Maildir file name: the letters after `:2,` (or `!2,` on file systems without ':'). */
export function maildirFlags(name: string, inNew: boolean): string[] {
  const m = /[:!;]2,([A-Za-z]*)$/.exec(name);
  const flags = new Set<string>();
  for (const c of m?.[1] ?? '') if (FLAG_LETTERS[c]) flags.add(FLAG_LETTERS[c]);
  if (inNew) flags.delete('\\Seen');
  return [...flags];
}

/** Delivery time from the unique name (`<seconds>.<...>`), the usual Maildir convention. */
export function maildirTime(name: string): Date | null {
  const m = /^(\d{9,11})\./.exec(name);
  if (!m) return null;
  const d = new Date(Number(m[1]) * 1000);
  return d.getTime() > Date.UTC(1980, 0, 1) && d.getTime() < Date.now() + 86400_000 ? d : null;
}

interface Found {
  entry: yauzl.Entry;
  dir: string[];
  inNew: boolean;
  name: string;
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(
      file,
      { lazyEntries: true, autoClose: false, strictFileNames: false, validateEntrySizes: true },
      (err, zip) =>
        err || !zip
          ? reject(new ZipFormatError(`not a zip file: ${err?.message ?? 'unreadable'}`))
          : resolve(zip),
    ),
  );
}

async function listEntries(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const out: yauzl.Entry[] = [];
    zip.on('entry', (e: yauzl.Entry) => {
      out.push(e);
      zip.readEntry();
    });
    zip.on('end', () => resolve(out));
    zip.on('error', (err: Error) => reject(new ZipFormatError(`broken zip file: ${err.message}`)));
    zip.readEntry();
  });
}

function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (entry.uncompressedSize > max) {
      reject(new ZipFormatError(`${entry.fileName} is larger than the largest message allowed`));
      return;
    }
    zip.openReadStream(entry, (err, stream?: Readable) => {
      if (err || !stream) return reject(new ZipFormatError(`cannot read ${entry.fileName}: ${err?.message}`));
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', (e: Error) =>
        reject(new ZipFormatError(`cannot read ${entry.fileName}: ${e.message}`)),
      );
      stream.on('end', () => resolve(Buffer.concat(chunks)));
    });
  });
}

function folderOf(dir: string[], roots: string[][]): string {
  const last = dir[dir.length - 1];
  if (last !== undefined && last.startsWith('.') && last.length > 1) {
    return last
      .slice(1)
      .split('.')
      .filter((s) => s)
      .join('/');
  }
  // fs layout: relative to the shortest maildir that contains this one
  const root = roots.find((r) => r.length < dir.length && r.every((s, i) => dir[i] === s));
  if (root) return dir.slice(root.length).join('/');
  return 'INBOX';
}

/** Messages of a zipped Maildir tree, folder by folder. `total` is known before the first message. */
export async function openMaildirZip(
  file: string,
  maxMessage: number,
): Promise<{ total: number; messages: AsyncGenerator<MaildirMessage>; close(): void }> {
  const zip = await openZip(file);
  const entries = await listEntries(zip);
  const found: Found[] = [];
  for (const entry of entries) {
    if (entry.fileName.endsWith('/')) continue;
    const parts = entry.fileName.split('/').filter((p) => p && p !== '.');
    if (parts.some((p) => p === '..')) continue;
    const name = parts[parts.length - 1]!;
    const box = parts[parts.length - 2];
    if ((box !== 'cur' && box !== 'new') || name.startsWith('.')) continue;
    found.push({ entry, dir: parts.slice(0, -2), inNew: box === 'new', name });
  }
  // folder by folder, and by delivery time within one, so UIDs follow the order mail arrived in
  found.sort((a, b) => {
    const da = a.dir.join('/');
    const db = b.dir.join('/');
    if (da !== db) return da < db ? -1 : 1;
    const ta = maildirTime(a.name)?.getTime() ?? 0;
    const tb = maildirTime(b.name)?.getTime() ?? 0;
    return ta - tb || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  });
  if (found.length === 0) {
    zip.close();
    throw new ZipFormatError('the zip holds no Maildir (no cur/ or new/ folders with messages)');
  }
  const dirs = [...new Map(found.map((f) => [f.dir.join('/'), f.dir])).values()];
  const roots = dirs
    .filter((d) => !(d[d.length - 1] ?? '').startsWith('.'))
    .sort((a, b) => a.length - b.length);
  async function* messages(): AsyncGenerator<MaildirMessage> {
    try {
      for (const f of found) {
        const raw = await readEntry(zip, f.entry, maxMessage);
        const idate = maildirTime(f.name) ?? f.entry.getLastModDate();
        yield { folder: folderOf(f.dir, roots), raw, flags: maildirFlags(f.name, f.inNew), idate };
      }
    } finally {
      zip.close();
    }
  }
  return { total: found.length, messages: messages(), close: () => zip.close() };
}
