// Exports mail, one message in memory at a time, honouring backpressure: a mailbox as mboxrd with
// its flags in Status / X-Status / X-Keywords (mbox-status.ts), or every mailbox of a user as a
// zipped Maildir++ tree with flags in the file names (maildir-names.ts).
import type { Writable } from 'node:stream';
import type { MailboxInfo, Store } from '../../store/index.ts';
import { mboxEntry } from './mbox.ts';
import { statusBlock } from './mbox-status.ts';
import { writeOut } from './write-out.ts';
import { ZipWriter } from './zip-writer.ts';
import { KEYWORD_LETTERS, maildirFolder, maildirInfo } from './maildir-names.ts';

/** Messages read per batch of metadata. */
const BATCH = 100;

export type ExportProgress = (done: number, total: number) => void;

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks);
}

export async function exportMbox(
  store: Store,
  user: string,
  mailbox: string,
  out: Writable,
  onProgress?: ExportProgress,
): Promise<number> {
  const uids = await store.messages.listUids(user, mailbox);
  let done = 0;
  for (let i = 0; i < uids.length; i += BATCH) {
    const batch = uids.slice(i, i + BATCH);
    for await (const m of store.messages.fetch(user, mailbox, batch, ['idate', 'flags', 'addresses'])) {
      const raw = await store.messages.openRaw(user, mailbox, m.uid);
      if (!raw) continue; // expunged meanwhile
      const bytes = await readAll(raw.stream);
      const sender = m.sender?.[0]?.address || m.from?.[0]?.address || 'MAILER-DAEMON';
      const withStatus = Buffer.concat([statusBlock(m.flags ?? [], bytes), bytes]);
      for (const part of mboxEntry(withStatus, sender, m.idate ?? new Date())) await writeOut(out, part);
      done += 1;
      onProgress?.(done, uids.length);
    }
  }
  return done;
}

export interface MaildirExportReport {
  mailboxes: number;
  messages: number;
  /** Keywords beyond the 26 a folder's file names can carry, left out of those names. */
  keywordsLeftOut: string[];
}

/** Every mailbox of `user` as a zip of a Maildir++ tree under `Maildir/`. */
export async function exportMaildir(
  store: Store,
  user: string,
  out: Writable,
  onProgress?: ExportProgress,
): Promise<MaildirExportReport> {
  const zip = new ZipWriter(out);
  const boxes = await store.mailboxes.list(user);
  const uidsOf = new Map<string, number[]>();
  for (const mb of boxes) uidsOf.set(mb.id, await store.messages.listUids(user, mb.id));
  const total = [...uidsOf.values()].reduce((n, u) => n + u.length, 0);
  const report: MaildirExportReport = { mailboxes: boxes.length, messages: 0, keywordsLeftOut: [] };
  const now = new Date();
  const inboxFirst = [...boxes].sort((a, b) => (a.path === 'INBOX' ? -1 : b.path === 'INBOX' ? 1 : 0));
  for (const mb of inboxFirst) {
    const dir = `Maildir/${maildirFolder(mb.path)}${mb.path === 'INBOX' ? '' : '/'}`;
    for (const sub of ['cur', 'new', 'tmp']) await zip.addFolder(dir + sub + '/', now);
    report.messages += await exportFolder(store, zip, mb, dir, uidsOf.get(mb.id)!, report, (n) =>
      onProgress?.(n, total),
    );
  }
  await zip.finish();
  return report;
}

async function exportFolder(
  store: Store,
  zip: ZipWriter,
  mb: MailboxInfo,
  dir: string,
  uids: number[],
  report: MaildirExportReport,
  progress: (done: number) => void,
): Promise<number> {
  // keyword letters: first come, first served, 26 at most (maildir-names.ts)
  const letters = new Map<string, string>();
  const letterOf = (k: string): string | undefined => {
    if (k === '$Forwarded') return undefined; // the P letter
    let l = letters.get(k);
    if (!l && letters.size < KEYWORD_LETTERS.length) {
      l = KEYWORD_LETTERS[letters.size]!;
      letters.set(k, l);
    }
    if (!l && !report.keywordsLeftOut.includes(k)) report.keywordsLeftOut.push(k);
    return l;
  };
  let done = 0;
  for (let i = 0; i < uids.length; i += BATCH) {
    for await (const m of store.messages.fetch(mb.user, mb.id, uids.slice(i, i + BATCH), [
      'idate',
      'flags',
      'size',
    ])) {
      const raw = await store.messages.openRaw(mb.user, mb.id, m.uid);
      if (!raw) continue; // expunged meanwhile
      const bytes = await readAll(raw.stream);
      const idate = m.idate ?? new Date();
      const seconds = Math.floor(idate.getTime() / 1000);
      const name = `${seconds}.M${String(m.uid).padStart(10, '0')}V${mb.uidValidity}.nestbox,S=${bytes.length}${maildirInfo(m.flags ?? [], letterOf)}`;
      await zip.addFile(`${dir}cur/${name}`, bytes, idate);
      done += 1;
      progress(report.messages + done);
    }
  }
  if (letters.size) {
    const lines = [...letters.entries()].map(([k, l]) => `${KEYWORD_LETTERS.indexOf(l)} ${k}\n`).join('');
    await zip.addFile(`${dir}dovecot-keywords`, Buffer.from(lines, 'utf8'));
  }
  return done;
}
