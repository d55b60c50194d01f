// COMPRESS=DEFLATE (RFC 4978): raw DEFLATE (RFC 1951, no zlib header) in both directions, on top
// of TLS when the connection has it. Every flush of responses ends with a sync flush so the client
// can read each response as soon as it is written (RFC 4978 §4).
import { constants, createDeflateRaw, createInflateRaw } from 'node:zlib';
import type { Duplex, Writable } from 'node:stream';
import type { CommandInput } from './input.ts';
import type { ResponseWriter } from './protocol/response.ts';

export interface Compression {
  /** Where responses go now: end it to flush the rest and close the connection. */
  output: Writable;
}

/** Reads through an inflater from now on; input already queued was sent before the client could
 * know compression would start and is dropped (RFC 4978 §3, as for STARTTLS). */
export function compressInput(socket: Duplex, input: CommandInput): Duplex {
  const inflate = createInflateRaw();
  // a stream cut short fails as 'unexpected end of file', also after the session let go of it:
  // never an uncaught error (the session sees the end through its own listeners)
  inflate.on('error', () => undefined);
  input.detach();
  input.attach(inflate);
  socket.pipe(inflate);
  socket.once('close', () => inflate.destroy());
  return inflate;
}

/** Writes responses through a deflater once the tagged OK has gone out uncompressed. */
export function compressOutput(socket: Duplex, out: ResponseWriter): Compression {
  // windowBits 15 with the raw stream is zlib's -15: no header, no checksum
  const deflate = createDeflateRaw({ windowBits: 15 });
  deflate.pipe(socket);
  deflate.on('error', () => socket.destroy());
  socket.once('close', () => deflate.destroy());
  out.setOutput(deflate, () => deflate.flush(constants.Z_SYNC_FLUSH));
  return { output: deflate };
}
