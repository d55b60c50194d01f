// Exports a mailbox as mboxrd to any writable, one message in memory at a time, honouring backpressure.
import type { Writable } from 'node:stream';
import type { Store } from '../../store/index.ts';
import { mboxEntry } from './mbox.ts';

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks);
}

function write(out: Writable, chunk: Buffer): Promise<void> {
  if (out.destroyed) return Promise.reject(new Error('output closed'));
  if (out.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      out.off('close', onClose);
      resolve();
    };
    const onClose = () => {
      out.off('drain', onDrain);
      reject(new Error('output closed'));
    };
    out.once('drain', onDrain);
    out.once('close', onClose);
  });
}

export async function exportMbox(
  store: Store,
  mailbox: string,
  out: Writable,
  onProgress?: (done: number, total: number) => void,
): Promise<number> {
  const uids = await store.messages.listUids(mailbox);
  let done = 0;
  for (let i = 0; i < uids.length; i += 100) {
    const batch = uids.slice(i, i + 100);
    for await (const m of store.messages.fetch(mailbox, batch, ['idate', 'addresses'])) {
      const raw = await store.messages.openRaw(mailbox, m.uid);
      if (!raw) continue; // expunged meanwhile
      const bytes = await readAll(raw.stream);
      const sender = m.sender?.[0]?.address || m.from?.[0]?.address || 'MAILER-DAEMON';
      for (const part of mboxEntry(bytes, sender, m.idate ?? new Date())) await write(out, part);
      done += 1;
      onProgress?.(done, uids.length);
    }
  }
  return done;
}
