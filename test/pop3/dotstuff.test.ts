// Dot-stuffing and TOP cutting work on any chunking of the message (RFC 1939 §3, §7).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dotStuff, topLines } from '../../server/pop3/dotstuff.ts';

async function collect(gen: AsyncIterable<Buffer>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const b of gen) parts.push(b);
  return Buffer.concat(parts).toString('latin1');
}

async function* chunks(s: string, size: number): AsyncGenerator<Buffer> {
  const b = Buffer.from(s, 'latin1');
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

const msg = '.first\r\nA: b\r\n\r\n.\r\n..x\r\nline\r\n.end\r\n';
const stuffed = '..first\r\nA: b\r\n\r\n..\r\n...x\r\nline\r\n..end\r\n.\r\n';

test('dot-stuffing is the same for every chunk size, including splits between LF and "."', async () => {
  for (let size = 1; size <= msg.length; size++) {
    assert.equal(await collect(dotStuff(chunks(msg, size))), stuffed, `chunk size ${size}`);
  }
});

test('the terminator follows a CRLF the content lacks, and an empty message is just "."', async () => {
  assert.equal(await collect(dotStuff(chunks('a\r\nno end', 3))), 'a\r\nno end\r\n.\r\n');
  assert.equal(await collect(dotStuff(chunks('', 3))), '.\r\n');
});

test('TOP keeps the header block, the blank line and n body lines, whatever the chunking', async () => {
  const m = 'H: 1\r\nH: 2\r\n\r\nb1\r\nb2\r\nb3\r\n';
  for (let size = 1; size <= m.length; size++) {
    assert.equal(
      await collect(topLines(chunks(m, size), 0)),
      'H: 1\r\nH: 2\r\n\r\n',
      `0 lines, size ${size}`,
    );
    assert.equal(
      await collect(topLines(chunks(m, size), 2)),
      'H: 1\r\nH: 2\r\n\r\nb1\r\nb2\r\n',
      `2 lines, size ${size}`,
    );
    assert.equal(await collect(topLines(chunks(m, size), 9)), m, `9 lines, size ${size}`);
  }
});
