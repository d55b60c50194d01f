// A zip of a Maildir tree → messages with their folder, flags and internal date. Understands
// Maildir++ (`.Folder.Sub` next to the root's cur/new/tmp) and the nested "fs" layout (`Folder/Sub/cur`).
import yauzl from 'yauzl';
import type { Readable } from 'node:stream';
import { mailboxPathOf, maildirFlags, parseDovecotKeywords } from './maildir-names.ts';

export { maildirFlags } from './maildir-names.ts';

export interface MaildirMessage {
  folder: string;
  raw: Buffer;
  flags: string[];
  idate: Date | null;
}

export class ZipFormatError extends Error {}

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
    return mailboxPathOf(last.slice(1));
  }
  // fs layout: relative to the shortest maildir that contains this one
  const root = roots.find((r) => r.length < dir.length && r.every((s, i) => dir[i] === s));
  if (root) return dir.slice(root.length).join('/');
  return 'INBOX';
}

/**
 * Messages of a zipped Maildir tree, folder by folder. `total` is known before the first message;
 * `folders` names every folder of the tree, those without messages too.
 */
export async function openMaildirZip(
  file: string,
  maxMessage: number,
): Promise<{ total: number; folders: string[]; messages: AsyncGenerator<MaildirMessage>; close(): void }> {
  const zip = await openZip(file);
  const entries = await listEntries(zip);
  const found: Found[] = [];
  const maildirs = new Map<string, string[]>();
  const keywordFiles = new Map<string, yauzl.Entry>();
  for (const entry of entries) {
    const parts = entry.fileName.split('/').filter((p) => p && p !== '.');
    if (parts.some((p) => p === '..')) continue;
    const isDir = entry.fileName.endsWith('/');
    const name = parts[parts.length - 1];
    if (name === undefined) continue;
    if (isDir) {
      if (name === 'cur' || name === 'new') maildirs.set(parts.slice(0, -1).join('/'), parts.slice(0, -1));
      continue;
    }
    if (name === 'dovecot-keywords') {
      keywordFiles.set(parts.slice(0, -1).join('/'), entry);
      continue;
    }
    const box = parts[parts.length - 2];
    if ((box !== 'cur' && box !== 'new') || name.startsWith('.')) continue;
    const dir = parts.slice(0, -2);
    maildirs.set(dir.join('/'), dir);
    found.push({ entry, dir, inNew: box === 'new', name });
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
  if (maildirs.size === 0) {
    zip.close();
    throw new ZipFormatError('the zip holds no Maildir (no cur/ or new/ folders)');
  }
  const roots = [...maildirs.values()]
    .filter((d) => !(d[d.length - 1] ?? '').startsWith('.'))
    .sort((a, b) => a.length - b.length);
  const folders = [...new Set([...maildirs.values()].map((d) => folderOf(d, roots)))];
  const keywords = new Map<string, string[]>();
  try {
    for (const [dir, entry] of keywordFiles)
      keywords.set(dir, parseDovecotKeywords((await readEntry(zip, entry, 1024 * 1024)).toString('utf8')));
  } catch (err) {
    zip.close();
    throw err;
  }
  async function* messages(): AsyncGenerator<MaildirMessage> {
    try {
      for (const f of found) {
        const raw = await readEntry(zip, f.entry, maxMessage);
        const idate = maildirTime(f.name) ?? f.entry.getLastModDate();
        const flags = maildirFlags(f.name, f.inNew, keywords.get(f.dir.join('/')));
        yield { folder: folderOf(f.dir, roots), raw, flags, idate };
      }
    } finally {
      zip.close();
    }
  }
  return { total: found.length, folders, messages: messages(), close: () => zip.close() };
}
