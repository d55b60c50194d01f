// Counting messages in an export as it streams from the server to a file, for the progress line:
// mbox separators, or the message files of a zipped Maildir by their local headers.
import { Transform } from 'node:stream';

/** Counts mbox messages as they stream past: in mboxrd every line starting "From " begins one. */
export function countSeparators(onCount: (n: number) => void): Transform {
  let n = 0;
  let lineStart = true; // the next byte begins a line
  let partial = ''; // the start of a line too short yet to tell
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      let s = chunk.toString('latin1');
      if (partial) {
        s = partial + s;
        lineStart = true;
        partial = '';
      }
      if (lineStart && s.startsWith('From ')) n += 1;
      n += s.match(/\nFrom /g)?.length ?? 0;
      const lastNl = s.lastIndexOf('\n');
      const rest = lastNl >= 0 ? s.slice(lastNl + 1) : lineStart ? s : null;
      if (rest === null) lineStart = false;
      else if (rest.length < 5 && 'From '.startsWith(rest)) {
        partial = rest;
        lineStart = rest === '';
      } else lineStart = false;
      onCount(n);
      cb(null, chunk);
    },
  });
}

/** Counts the message files of a zipped Maildir as they stream past, by their local headers. */
export function countZipMessages(onCount: (n: number) => void): Transform {
  const SIG = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
  let n = 0;
  let carry = Buffer.alloc(0);
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      let at = 0;
      let keepFrom = Math.max(0, buf.length - 30 - 1024); // a header and name may straddle chunks
      for (;;) {
        const i = buf.indexOf(SIG, at);
        if (i < 0) break;
        if (i + 30 > buf.length) {
          keepFrom = Math.min(keepFrom, i);
          break;
        }
        const nameEnd = i + 30 + buf.readUInt16LE(i + 26);
        if (nameEnd > buf.length) {
          keepFrom = Math.min(keepFrom, i);
          break;
        }
        const name = buf.subarray(i + 30, nameEnd).toString('utf8');
        if (/^Maildir\/(?:[^/]*\/)?cur\/[^/]+$/.test(name)) n += 1;
        at = nameEnd;
      }
      carry = Buffer.from(buf.subarray(Math.max(keepFrom, at)));
      onCount(n);
      cb(null, chunk);
    },
  });
}
