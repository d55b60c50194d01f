import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable, Writable } from 'node:stream';
import {
  atom,
  continuation,
  formatDateTime,
  GATHER,
  formatSequenceSet,
  literal,
  raw,
  ResponseWriter,
  serialize,
  tagged,
  untagged,
  untaggedStatus,
} from '../../../server/imap/protocol/response.ts';

test('values: atoms, numbers, NIL, quoted with escapes, literals for CR/LF/NUL/8-bit/long', () => {
  assert.equal(serialize('a "b" \\c').toString(), '"a \\"b\\" \\\\c"');
  assert.equal(serialize(null).toString(), 'NIL');
  assert.equal(serialize(42).toString(), '42');
  assert.equal(serialize(12345678901234567890n).toString(), '12345678901234567890');
  assert.equal(serialize('two\r\nlines').toString(), '{10}\r\ntwo\r\nlines');
  assert.equal(serialize('nul\0').toString(), '{4}\r\nnul\0');
  assert.equal(serialize('Grüße').toString(), '{7}\r\nGrüße');
  assert.equal(serialize('Grüße', { utf8: true }).toString(), '"Grüße"');
  assert.equal(serialize('x'.repeat(2000)).toString(), `{2000}\r\n${'x'.repeat(2000)}`);
  assert.equal(serialize(literal('short')).toString(), '{5}\r\nshort');
  assert.equal(
    serialize([atom('FLAGS'), [atom('\\Seen'), atom('$Junk')], raw('BODY[]'), null, []]).toString(),
    '(FLAGS (\\Seen $Junk) BODY[] NIL ())',
  );
});

test('status responses with response codes', () => {
  assert.equal(tagged('A1', 'OK', 'Done'), 'A1 OK Done\r\n');
  assert.equal(tagged('A2', 'NO', 'No such mailbox', 'TRYCREATE'), 'A2 NO [TRYCREATE] No such mailbox\r\n');
  assert.equal(
    tagged('A3', 'OK', 'Appended', { code: 'APPENDUID', uidValidity: 38505, uids: [3955] }),
    'A3 OK [APPENDUID 38505 3955] Appended\r\n',
  );
  assert.equal(
    tagged('A4', 'OK', 'Copied', {
      code: 'COPYUID',
      uidValidity: 7,
      source: [1, 2, 3, 9],
      dest: [20, 21, 22, 10],
    }),
    'A4 OK [COPYUID 7 1:3,9 20:22,10] Copied\r\n',
  );
  assert.equal(
    untaggedStatus('OK', 'Limited', { code: 'PERMANENTFLAGS', flags: ['\\Seen', '\\*'] }),
    '* OK [PERMANENTFLAGS (\\Seen \\*)] Limited\r\n',
  );
  assert.equal(
    untaggedStatus('OK', 'UIDs', { code: 'UIDVALIDITY', value: 3857529045 }),
    '* OK [UIDVALIDITY 3857529045] UIDs\r\n',
  );
  assert.equal(
    untaggedStatus('OK', 'x', { code: 'HIGHESTMODSEQ', value: 2n ** 60n }),
    '* OK [HIGHESTMODSEQ 1152921504606846976] x\r\n',
  );
  assert.equal(
    untaggedStatus('OK', 'Hi', { code: 'CAPABILITY', capabilities: ['IMAP4rev1', 'LITERAL+'] }),
    '* OK [CAPABILITY IMAP4rev1 LITERAL+] Hi\r\n',
  );
  assert.equal(tagged('A5', 'NO', 'bad\r\nmessage', 'OVERQUOTA'), 'A5 NO [OVERQUOTA] bad message\r\n');
  assert.equal(
    tagged('A6', 'NO', 'x', { code: 'BADCHARSET', charsets: ['UTF-8'] }),
    'A6 NO [BADCHARSET (UTF-8)] x\r\n',
  );
  assert.equal(untagged(3, atom('EXISTS')).toString(), '* 3 EXISTS\r\n');
  assert.equal(
    untagged(1, atom('FETCH'), [atom('UID'), 5, atom('FLAGS'), [atom('\\Seen')]]).toString(),
    '* 1 FETCH (UID 5 FLAGS (\\Seen))\r\n',
  );
  assert.equal(continuation(), '+ Ready for literal data\r\n');
  assert.equal(continuation(''), '+ \r\n');
});

test('sequence-set formatter', () => {
  assert.equal(formatSequenceSet([5, 1, 2, 3, 3, 9, 10]), '1:3,5,9:10');
  assert.equal(formatSequenceSet([]), '');
  assert.equal(formatSequenceSet([4, 5, 1, 2], true), '4:5,1:2');
});

/** A slow socket: write() returns false after every chunk, drains later. */
class SlowSocket extends Writable {
  chunks: Buffer[] = [];
  maxPending = 0;
  constructor() {
    super({ highWaterMark: 16 });
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.chunks.push(chunk);
    this.maxPending = Math.max(this.maxPending, this.writableLength);
    setImmediate(cb);
  }
}

test('streams a FETCH literal with backpressure and exact length', async () => {
  const sock = new SlowSocket();
  const w = new ResponseWriter(sock);
  const body = Buffer.alloc(1024 * 1024, 0x41);
  const src = Readable.from(
    (function* () {
      for (let i = 0; i < body.length; i += 4096) yield body.subarray(i, i + 4096);
    })(),
  );
  await w.writeLiteralStream('* 1 FETCH (BODY[] ', body.length, src, ')\r\n');
  await w.flush(); // the last pieces are gathered like small responses until the next flush
  const out = Buffer.concat(sock.chunks);
  assert.ok(
    out.equals(
      Buffer.concat([Buffer.from(`* 1 FETCH (BODY[] {${body.length}}\r\n`), body, Buffer.from(')\r\n')]),
    ),
  );
  // Never more than one gathered write (up to GATHER bytes plus the chunk that passed it) queued
  // beyond the high-water mark: write() returning false was honoured.
  assert.ok(sock.maxPending <= GATHER + 4096 + 16 + 64, String(sock.maxPending));
  assert.ok(sock.chunks.length < body.length / 4096, 'pieces gathered into fewer writes');
});

test('a literal stream of the wrong length destroys the connection', async () => {
  const sock = new PassThrough();
  sock.resume();
  const w = new ResponseWriter(sock);
  await assert.rejects(
    w.writeLiteralStream('* 1 FETCH (BODY[] ', 10, Readable.from([Buffer.from('short')]), ')\r\n'),
    { message: 'Literal stream shorter than announced' },
  );
  assert.equal(sock.destroyed, true);
  const sock2 = new PassThrough();
  sock2.resume();
  await assert.rejects(
    new ResponseWriter(sock2).writeLiteralStream('', 2, Readable.from([Buffer.from('long')])),
    { message: 'Literal stream longer than announced' },
  );
  await assert.rejects(new ResponseWriter(sock2).write('x'), { message: 'Connection closed' });
});

test('a literal held in memory goes out as the same bytes as a streamed one; a wrong size destroys', async () => {
  const pieces = [Buffer.from('Subject: x\r\n\r\n'), Buffer.alloc(40_000, 0x42), Buffer.from('end\r\n')];
  const size = pieces.reduce((n, p) => n + p.length, 0);
  const streamed = new SlowSocket();
  const a = new ResponseWriter(streamed);
  await a.writeLiteralStream('* 1 FETCH (BODY[] ', size, Readable.from(pieces), ')\r\n');
  await a.flush();
  const held = new SlowSocket();
  const b = new ResponseWriter(held);
  await b.writeLiteralPieces('* 1 FETCH (BODY[] ', size, pieces, ')\r\n');
  await b.flush();
  assert.ok(Buffer.concat(held.chunks).equals(Buffer.concat(streamed.chunks)));
  assert.ok(held.maxPending <= GATHER + 40_000 + 64, String(held.maxPending));

  const sock = new PassThrough();
  sock.resume();
  await assert.rejects(new ResponseWriter(sock).writeLiteralPieces('', size + 1, pieces), {
    message: 'Literal pieces differ from the announced size',
  });
  assert.equal(sock.destroyed, true);
});

test('INTERNALDATE is written in UTC with a two-digit day (RFC 3501 §9 date-time)', () => {
  assert.equal(formatDateTime(new Date(Date.UTC(1996, 6, 7, 9, 4, 5))), '"07-Jul-1996 09:04:05 +0000"');
  assert.equal(formatDateTime(new Date('2020-02-29T23:59:59-01:00')), '"01-Mar-2020 00:59:59 +0000"');
});

test('queued responses go out together, in order, before anything written after them', async () => {
  const sock = new SlowSocket();
  const w = new ResponseWriter(sock);
  w.untagged('1 EXISTS');
  w.queue(untaggedStatus('OK', 'Ready', { code: 'UIDNEXT', value: 5 }));
  assert.equal(sock.chunks.length, 0);
  await w.flush();
  assert.equal(Buffer.concat(sock.chunks).toString(), '* 1 EXISTS\r\n* OK [UIDNEXT 5] Ready\r\n');
  w.queue('* 2 EXISTS\r\n');
  await w.write(tagged('A', 'OK', 'Done'));
  assert.equal(
    Buffer.concat(sock.chunks).toString(),
    '* 1 EXISTS\r\n* OK [UIDNEXT 5] Ready\r\n* 2 EXISTS\r\nA OK Done\r\n',
  );
  // a closed connection drops what is queued; flush never rejects
  sock.destroy();
  assert.equal(w.closed, true);
  w.queue('* 3 EXISTS\r\n');
  await w.flush();
});

test('after STARTTLS the writer goes on over the new socket', async () => {
  const a = new SlowSocket();
  const b = new SlowSocket();
  const w = new ResponseWriter(a);
  await w.write('A OK Begin TLS\r\n');
  w.setOutput(b);
  await w.write('* CAPABILITY IMAP4rev1\r\n');
  assert.equal(Buffer.concat(a.chunks).toString(), 'A OK Begin TLS\r\n');
  assert.equal(Buffer.concat(b.chunks).toString(), '* CAPABILITY IMAP4rev1\r\n');
});
