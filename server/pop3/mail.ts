// TRANSACTION state (RFC 1939 §5, §7): STAT, LIST, UIDL, RETR, TOP, DELE, RSET, NOOP, CAPA, and
// QUIT, which enters UPDATE (§6) and applies the deletions.
import type { Readable } from 'node:stream';
import type { ContentStream, MessagePager } from '../store/index.ts';
import type { Command, Session } from './session.ts';
import type { DropMessage, Maildrop } from './maildrop.ts';
import { toUidSet } from './maildrop.ts';
import { dotStuff, topLines } from './dotstuff.ts';
import { CAPA } from './auth.ts';

const NO_MESSAGE = 'no such message';

/** Parses a message-number argument; null when absent or malformed. */
function msgNumber(arg: string | undefined): number | null {
  return arg !== undefined && /^\d{1,9}$/.test(arg) ? Number(arg) : null;
}

function dropOf(s: Session): Maildrop {
  if (!s.drop) throw new Error('no maildrop in TRANSACTION state');
  return s.drop;
}

/** Shared shape of LIST and UIDL: one message, or every undeleted message as a multi-line list. */
function listing(
  describe: (drop: Maildrop, m: DropMessage) => string,
  header: (d: Maildrop) => string,
): Command {
  return async (s, args) => {
    const drop = dropOf(s);
    const arg = args.trim();
    if (arg) {
      const n = msgNumber(arg);
      const m = n === null ? null : drop.get(n);
      if (!m || n === null) return s.err(NO_MESSAGE);
      return s.ok(`${n} ${describe(drop, m)}`);
    }
    // RFC 1939 §7: every undeleted message, written in slices so a huge maildrop streams
    await s.ok(header(drop));
    let out: string[] = [];
    for (let i = 0; i < drop.messages.length; i++) {
      const m = drop.messages[i]!;
      if (m.deleted) continue;
      out.push(`${i + 1} ${describe(drop, m)}\r\n`);
      if (out.length >= 512) {
        await s.conn.write(out.join(''));
        out = [];
      }
    }
    out.push('.\r\n');
    await s.conn.write(out.join(''));
  };
}

const STAT: Command = async (s) => {
  const { count, octets } = dropOf(s).stat();
  await s.ok(`${count} ${octets}`);
};

const LIST = listing(
  (_d, m) => String(m.size),
  (d) => {
    const { count, octets } = d.stat();
    return `${count} messages (${octets} octets)`;
  },
);

const UIDL = listing(
  (d, m) => d.uidl(m),
  () => 'unique-id listing follows',
);

/** RETR reads the maildrop a page of messages at a time, the next page while this one is sent:
 * POP3 clients fetch in order; one that downloads the maildrop is served by passes over it
 * (store pager, docs/ARCHITECTURE.md §3). */
const pagers = new WeakMap<Session, MessagePager>();

async function open(s: Session, m: DropMessage): Promise<ContentStream | null> {
  const drop = dropOf(s);
  let pager = pagers.get(s);
  if (!pager)
    pagers.set(
      s,
      (pager = s.deps.store.messages.pager(
        s.user!.id,
        drop.inbox.id,
        drop.messages.map((d) => d.uid),
        // POP3 clients mostly download once and delete: packing what they read would be wasted
        { writePacks: false },
      )),
    );
  const opened = await pager.open(m.uid);
  return opened ? opened.raw() : null;
}

/** Streams a message (or its TOP part) dot-stuffed, waiting on the socket between chunks. */
async function sendMessage(s: Session, m: DropMessage, lines?: number): Promise<void> {
  const content = await open(s, m);
  if (!content) return s.err('[SYS/TEMP] message is no longer available'); // removed elsewhere meanwhile
  const stream: Readable = content.stream;
  await s.ok(lines === undefined ? `${m.size} octets` : 'top of message follows');
  const source = lines === undefined ? stream : topLines(stream, lines);
  try {
    for await (const chunk of dotStuff(source as AsyncIterable<Buffer>)) {
      if (s.conn.closed) break;
      await s.conn.write(chunk);
    }
  } finally {
    stream.destroy();
  }
}

const RETR: Command = async (s, args) => {
  const n = msgNumber(args.trim());
  const m = n === null ? null : dropOf(s).get(n);
  if (!m) return s.err(NO_MESSAGE);
  await sendMessage(s, m);
};

const TOP: Command = async (s, args) => {
  const [a, b] = args.trim().split(/\s+/);
  const n = msgNumber(a);
  const lines = msgNumber(b);
  if (n === null || lines === null) return s.err('usage: TOP msg lines');
  const m = dropOf(s).get(n);
  if (!m) return s.err(NO_MESSAGE);
  await sendMessage(s, m, lines);
};

const DELE: Command = async (s, args) => {
  const n = msgNumber(args.trim());
  const drop = dropOf(s);
  const m = n === null ? undefined : drop.messages[n - 1];
  if (!m || n === null || n < 1) return s.err(NO_MESSAGE);
  if (m.deleted) return s.err(`message ${n} already deleted`);
  m.deleted = true;
  await s.ok(`message ${n} deleted`);
};

const RSET: Command = async (s) => {
  const drop = dropOf(s);
  drop.reset();
  const { count, octets } = drop.stat();
  await s.ok(`maildrop has ${count} messages (${octets} octets)`);
};

const NOOP: Command = (s) => s.ok();

/** UPDATE state (RFC 1939 §6): expunge or move to Trash per `config.pop3Delete`. */
export async function applyUpdate(s: Session): Promise<boolean> {
  const drop = dropOf(s);
  const user = s.user!.id;
  const uids = drop.deletedUids();
  if (!uids.length) return true;
  const { store, config } = s.deps;
  try {
    if (config.pop3Delete === 'trash') {
      const trash = await store.mailboxes.getBySpecialUse(user, '\\Trash');
      if (trash && trash.id !== drop.inbox.id) {
        await store.messages.move({ user, mailbox: drop.inbox.id, uids: toUidSet(uids), target: trash.id });
        return true;
      }
      s.log.warn('pop3: no Trash mailbox; deleting instead');
    }
    await store.messages.expunge({
      user,
      mailbox: drop.inbox.id,
      uids: toUidSet(uids),
      requireDeleted: false,
    });
    return true;
  } catch (err) {
    s.log.error({ err }, 'pop3: UPDATE failed');
    return false;
  }
}

const QUIT: Command = async (s) => {
  s.state = 'update';
  const ok = await applyUpdate(s);
  await s.finish();
  // RFC 1939 §6: -ERR when some deleted messages were not removed
  if (ok) await s.ok('Nestbox POP3 signing off');
  else await s.err('[SYS/TEMP] some deleted messages were not removed');
  s.conn.end();
};

export const mailCommands: Record<string, Command> = {
  CAPA,
  STAT,
  LIST,
  UIDL,
  RETR,
  TOP,
  DELE,
  RSET,
  NOOP,
  QUIT,
};
