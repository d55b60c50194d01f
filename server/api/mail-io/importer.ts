// Imports messages into a user's mailboxes: creates folders (empty ones too), keeps flags and
// internal dates, skips what an earlier import already stored, and reports progress.
import { createHash } from 'node:crypto';
import { createReadStream, openSync, readSync, closeSync, statSync } from 'node:fs';
import { isStoreError, type Store } from '../../store/index.ts';
import { dateOfFromLine, readMbox, type MboxFormat } from './mbox.ts';
import { openMaildirZip } from './maildir.ts';
import { mboxHeaderFlags, takeStatusBlock } from './mbox-status.ts';

/**
 * What marks a message as imported (store.importMarks): its folder and the SHA-256 of its bytes.
 * The mark is written after the message is stored: a crash in between can duplicate one message
 * on the next run, never lose one.
 */
export function importKey(folder: string, raw: Buffer): string {
  return createHash('sha256').update(folder).update('\0').update(raw).digest('base64url');
}

export interface ImportItem {
  folder: string;
  raw: Buffer;
  flags: string[];
  idate: Date | null;
}

export interface ImportProgress {
  done: number;
  imported: number;
  skipped: number;
  failed: number;
  /** Messages in the file when known (Maildir), otherwise null. */
  total: number | null;
  /** Fraction of the input read, 0–1. */
  fraction: number;
}

export interface ImportReport extends ImportProgress {
  format: 'mbox' | 'maildir';
  mailboxes: Array<{ path: string; imported: number; skipped: number }>;
  errors: string[];
}

/** Date of the last hop (first Received header), else the Date header. */
export function headerDate(raw: Buffer): Date | null {
  const end = raw.indexOf('\n\n');
  const head = raw
    .subarray(0, end >= 0 ? end : Math.min(raw.length, 64 * 1024))
    .toString('latin1')
    .replace(/\r?\n[ \t]+/g, ' ');
  const received = /^Received:[^\n]*;\s*([^\n]+)$/im.exec(head)?.[1];
  const date = /^Date:\s*([^\n]+)$/im.exec(head)?.[1];
  for (const v of [received, date]) {
    if (!v) continue;
    const t = Date.parse(v.trim().replace(/\s*\([^)]*\)\s*$/, ''));
    if (!Number.isNaN(t)) return new Date(t);
  }
  return null;
}

export function isZipFile(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(4);
    readSync(fd, b, 0, 4, 0);
    return b.readUInt32LE(0) === 0x04034b50 || b.readUInt32LE(0) === 0x06054b50;
  } finally {
    closeSync(fd);
  }
}

export interface ImportOptions {
  store: Store;
  user: string;
  file: string;
  format?: 'auto' | 'mbox' | 'maildir';
  mboxFormat?: MboxFormat;
  /** Folder an mbox goes into (default INBOX). */
  mailbox?: string;
  maxMessageSize: number;
  onProgress?: (p: ImportProgress) => void;
}

export async function importFile(opts: ImportOptions): Promise<ImportReport> {
  const { store, user } = opts;
  const size = statSync(opts.file).size;
  const format =
    opts.format && opts.format !== 'auto' ? opts.format : isZipFile(opts.file) ? 'maildir' : 'mbox';
  const report: ImportReport = {
    format,
    done: 0,
    imported: 0,
    skipped: 0,
    failed: 0,
    total: null,
    fraction: 0,
    mailboxes: [],
    errors: [],
  };
  const perBox = new Map<string, { path: string; imported: number; skipped: number }>();
  const ids = new Map<string, string>();

  const mailboxId = async (path: string): Promise<string> => {
    const known = ids.get(path);
    if (known) return known;
    let mb = await store.mailboxes.get(user, path);
    if (!mb) {
      try {
        mb = await store.mailboxes.create(user, path, { subscribed: true });
      } catch (err) {
        if (!isStoreError(err, 'EXISTS')) throw err;
        mb = await store.mailboxes.get(user, path);
      }
    }
    if (!mb) throw new Error(`cannot create mailbox ${path}`);
    ids.set(path, mb.id);
    return mb.id;
  };

  let lastReport = 0;
  const progress = (fraction: number, force = false) => {
    report.fraction = fraction;
    if (!opts.onProgress) return;
    const now = Date.now();
    if (!force && now - lastReport < 500) return;
    lastReport = now;
    opts.onProgress({ ...report, mailboxes: undefined, errors: undefined } as unknown as ImportProgress);
  };

  const take = async (item: ImportItem) => {
    report.done += 1;
    const box = perBox.get(item.folder) ?? { path: item.folder, imported: 0, skipped: 0 };
    perBox.set(item.folder, box);
    const k = importKey(item.folder, item.raw);
    if (await store.importMarks.has(user, k)) {
      report.skipped += 1;
      box.skipped += 1;
      return;
    }
    try {
      const mailbox = await mailboxId(item.folder);
      await store.messages.add({
        user,
        mailbox,
        raw: item.raw,
        flags: item.flags,
        ...(item.idate ? { idate: item.idate } : {}),
      });
      await store.importMarks.add(user, k);
      report.imported += 1;
      box.imported += 1;
    } catch (err) {
      // over quota: nothing more will fit
      if (isStoreError(err, 'OVERQUOTA') || isStoreError(err, 'NOUSER')) throw err;
      report.failed += 1;
      if (report.errors.length < 20)
        report.errors.push(`message ${report.done} (${item.folder}): ${(err as Error).message}`);
    }
  };

  if (format === 'maildir') {
    const zip = await openMaildirZip(opts.file, opts.maxMessageSize);
    report.total = zip.total;
    try {
      for (const folder of zip.folders) await mailboxId(folder);
    } catch (err) {
      zip.close();
      throw err;
    }
    for await (const m of zip.messages) {
      await take({ folder: m.folder, raw: m.raw, flags: m.flags, idate: m.idate ?? headerDate(m.raw) });
      progress(report.done / zip.total);
    }
  } else {
    const folder = opts.mailbox ?? 'INBOX';
    const input = createReadStream(opts.file);
    try {
      for await (const m of readMbox(input, opts.mboxFormat ?? 'mboxrd', opts.maxMessageSize)) {
        if (m.raw.length === 0) continue;
        // our own export's flag lines come off again; anyone else's stay in the message
        const own = takeStatusBlock(m.raw);
        await take({
          folder,
          raw: own?.raw ?? m.raw,
          flags: own?.flags ?? mboxHeaderFlags(m.raw),
          idate: dateOfFromLine(m.fromLine) ?? headerDate(m.raw),
        });
        progress(size ? m.offset / size : 1);
      }
    } finally {
      input.destroy();
    }
  }
  report.mailboxes = [...perBox.values()];
  progress(1, true);
  return report;
}
