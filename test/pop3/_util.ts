// Shared pieces of the POP3 tests: a filled maildrop, a line-level POP3 client, Python runs.
import { execFile } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { promisify } from 'node:util';
import type { Store, UserInfo } from '../../server/store/index.ts';

export const run = promisify(execFile);

/** Messages with the awkward bits: leading dots, 8-bit bytes, no final CRLF, a long one. */
export function sampleMessages(): Buffer[] {
  const head = (n: number) => `From: a@remote.test\r\nTo: u@example.test\r\nSubject: message ${n}\r\n\r\n`;
  return [
    Buffer.from(head(1) + 'plain body\r\n'),
    Buffer.from(head(2) + '.starts with a dot\r\n..two dots\r\n.\r\nend\r\n'),
    Buffer.concat([Buffer.from(head(3)), Buffer.from([0xc3, 0xa9, 0xff, 0x00, 0x80, 0x0d, 0x0a])]),
    Buffer.from(head(4) + 'no final line break'),
    Buffer.from(head(5) + 'line\r\n'.repeat(40000)),
    Buffer.from(head(6) + 'first\r\nsecond\r\nthird\r\n'),
  ];
}

export async function fillMaildrop(
  store: Store,
  username: string,
  messages: Buffer[],
  password = 'pop-pass-1',
): Promise<UserInfo> {
  const user = await store.users.create({ username, password, address: `${username}@example.test` });
  const inbox = await store.mailboxes.get(user.id, 'INBOX');
  for (const raw of messages) await store.messages.add({ user: user.id, mailbox: inbox!.id, raw });
  return user;
}

/** A minimal POP3 client reading single and multi-line replies as bytes. */
export class RawPop3 {
  private buf = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.waiters.splice(0).forEach((w) => w());
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiters.splice(0).forEach((w) => w());
    });
    socket.on('error', () => undefined);
  }

  /** `localAddress` (another 127.x address) keeps a test's logins and connections apart from others'. */
  static async open(
    port: number,
    opts: { localAddress?: string } = {},
  ): Promise<{ client: RawPop3; greeting: string }> {
    const socket = connect({ port, host: '127.0.0.1', ...opts });
    const client = new RawPop3(socket);
    const greeting = await client.line();
    return { client, greeting };
  }

  private async wait(): Promise<void> {
    if (this.closed) throw new Error('connection closed');
    await new Promise<void>((r) => this.waiters.push(r));
  }

  async line(): Promise<string> {
    for (;;) {
      const i = this.buf.indexOf('\r\n');
      if (i >= 0) {
        const l = this.buf.subarray(0, i).toString('utf8');
        this.buf = this.buf.subarray(i + 2);
        return l;
      }
      await this.wait();
    }
  }

  /** The body of a multi-line reply up to and including the terminating ".\r\n". */
  async multi(): Promise<Buffer> {
    for (;;) {
      const i = this.buf.indexOf('\r\n.\r\n');
      if (this.buf.subarray(0, 3).equals(Buffer.from('.\r\n'))) {
        this.buf = this.buf.subarray(3);
        return Buffer.alloc(0);
      }
      if (i >= 0) {
        const body = this.buf.subarray(0, i + 2);
        this.buf = this.buf.subarray(i + 5);
        return body;
      }
      await this.wait();
    }
  }

  send(line: string): void {
    this.socket.write(line + '\r\n');
  }

  async cmd(line: string): Promise<string> {
    this.send(line);
    return this.line();
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Undoes dot-stuffing (RFC 1939 §3). */
export function unstuff(body: Buffer): Buffer {
  const s = body.toString('latin1').replace(/(^|\r\n)\./g, '$1');
  return Buffer.from(s, 'latin1');
}
