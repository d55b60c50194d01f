// Byte streams for multi-line responses (RFC 1939 §3): lines starting with "." get another ".",
// and the response ends with CRLF "." CRLF. TOP (RFC 1939 §7) cuts after the header block and
// n body lines. Both work chunk by chunk, so no message is ever held whole.

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;

/** Dot-stuffs `source` and appends the terminator (after a CRLF when the content lacks one). */
export async function* dotStuff(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let atLineStart = true;
  let last2 = Buffer.alloc(0);
  for await (const chunk of source) {
    if (chunk.length === 0) continue;
    let from = 0;
    if (atLineStart && chunk[0] === DOT) {
      yield Buffer.from('.');
    }
    let i = chunk.indexOf('\n.', 0);
    while (i >= 0) {
      yield chunk.subarray(from, i + 1);
      yield Buffer.from('.');
      from = i + 1;
      i = chunk.indexOf('\n.', i + 1);
    }
    yield chunk.subarray(from);
    atLineStart = chunk[chunk.length - 1] === LF;
    last2 = Buffer.concat([last2, chunk.subarray(-2)]).subarray(-2);
  }
  const endsWithCrlf = last2.length === 2 && last2[0] === CR && last2[1] === LF;
  yield Buffer.from(last2.length === 0 || endsWithCrlf ? '.\r\n' : '\r\n.\r\n');
}

/** The header block, the blank line, then at most `lines` body lines. */
export async function* topLines(source: AsyncIterable<Buffer>, lines: number): AsyncGenerator<Buffer> {
  let inHeader = true;
  let lineBytes = 0;
  let body = 0;
  for await (const chunk of source) {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === CR) continue;
      if (b !== LF) {
        lineBytes++;
        continue;
      }
      if (inHeader) {
        if (lineBytes === 0) {
          inHeader = false;
          if (lines === 0) {
            yield chunk.subarray(0, i + 1);
            return;
          }
        }
      } else if (++body >= lines) {
        yield chunk.subarray(0, i + 1);
        return;
      }
      lineBytes = 0;
    }
    yield chunk;
  }
}
