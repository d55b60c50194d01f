// Writes a chunk and waits while the reader is behind, so an export holds one message at a time.
import type { Writable } from 'node:stream';

export function writeOut(out: Writable, chunk: Buffer): Promise<void> {
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
