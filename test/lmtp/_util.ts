// Shared pieces of the LMTP tests: users with addresses, raw message reads, a relay sink.
import { SMTPServer } from 'smtp-server';
import { connect, type AddressInfo } from 'node:net';
import type { Store, UserInfo } from '../../server/store/index.ts';

export async function makeUser(
  store: Store,
  username: string,
  opts: { quota?: number; password?: string } = {},
): Promise<UserInfo> {
  return store.users.create({
    username,
    password: opts.password ?? 'secret-pass',
    address: `${username}@example.test`,
    ...(opts.quota !== undefined ? { quota: opts.quota } : {}),
  });
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(parts);
}

/** Raw bytes of every message of a user's mailbox (by path or special use), in UID order. */
export async function mailboxRaw(store: Store, user: string, path = 'INBOX'): Promise<Buffer[]> {
  const box = await store.mailboxes.get(user, path);
  if (!box) throw new Error(`no mailbox ${path}`);
  const out: Buffer[] = [];
  for (const uid of await store.messages.listUids(box.user, box.id)) {
    const c = await store.messages.openRaw(box.user, box.id, uid);
    if (c) out.push(await readAll(c.stream));
  }
  return out;
}

export interface SinkMessage {
  from: string;
  to: string[];
  raw: Buffer;
}

/** A local SMTP server standing in for the relay; collects what it receives. */
export async function startSink(): Promise<{ url: string; messages: SinkMessage[]; close(): Promise<void> }> {
  const messages: SinkMessage[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, cb) {
      void readAll(stream).then((raw) => {
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        messages.push({ from, to: session.envelope.rcptTo.map((r) => r.address), raw });
        cb();
      }, cb);
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

export async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Speaks LMTP over a raw socket: waits for the greeting, writes `script` (or its parts) at once and
 * collects reply lines until `until` is satisfied; rejects with what came so far after `ms`.
 */
export async function lmtpTalk(
  port: number,
  script: string | Buffer | Buffer[],
  until: (replies: string[]) => boolean,
  ms = 10_000,
): Promise<string[]> {
  const sock = connect(port, '127.0.0.1');
  let buf = '';
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`timeout; got:\n${lines.join('\n')}`));
    }, ms);
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      let i;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        lines.push(buf.slice(0, i));
        buf = buf.slice(i + 2);
      }
      if (until(lines)) {
        clearTimeout(timer);
        sock.end();
        resolve(lines);
      }
    });
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    sock.once('data', () => {
      for (const part of Array.isArray(script) ? script : [script]) sock.write(part);
    });
  });
}
