// The LMTP server (RFC 2033) on smtp-server's LMTP mode: recipients are checked at RCPT, the
// message is read whole (spool.ts: in memory, then in a file; past the size limit only counted and
// refused with 552 5.3.4), then stored once per accepted recipient and answered with one reply
// each, in RCPT order (RFC 2033 §4.2). A recipient named twice is stored once and answered twice:
// every RCPT that got 250 gets its reply.
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  SMTPServer,
  type SMTPServerAddress,
  type SMTPServerDataStream,
  type SMTPServerSession,
} from 'smtp-server';
import type { ServiceContext } from '../service.ts';
import { parseHeaders, type Headers } from '../mime/header-fields.ts';
import { Deliverer, replyError, type Delivered, type Recipient } from './deliver.ts';
import { Relay } from './relay.ts';
import { maybeAutoreply } from './vacation.ts';
import { forward, forwardBlocker } from './forward.ts';
import { spoolData } from './spool.ts';
import { LMTP_DATA_IN_MEMORY, LMTP_MAX_CONNECTIONS } from '../limits.ts';
import {
  CLOSE_GRACE_MS,
  DELIVERY_CONCURRENCY,
  MAX_HEADER_SCAN,
  MAX_RECIPIENTS,
  SOCKET_TIMEOUT_MS,
} from './limits.ts';

export interface LmtpServer {
  smtp: SMTPServer;
  close(): Promise<void>;
}

/** Runs `fn` over `items` with at most `n` at a time; results keep the order of `items`. */
async function mapLimit<T, R>(items: readonly T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

/** Where DATA larger than LMTP_DATA_IN_MEMORY is held while it is received. */
export const lmtpSpoolDir = (ctx: ServiceContext): string => join(ctx.config.dataDir, 'spool', 'lmtp');

export function createLmtpServer(ctx: ServiceContext): LmtpServer {
  const { config, store } = ctx;
  // every line of this service says its protocol; those of a connection also its client address
  const log = ctx.log.child({ protocol: 'lmtp' });
  const { autoreplies } = store;
  const relay = config.relayUrl ? new Relay(config.relayUrl) : null;
  const deliverer = new Deliverer(store, log);
  const spoolDir = lmtpSpoolDir(ctx);
  mkdirSync(spoolDir, { recursive: true, mode: 0o700 });
  const resolved = new WeakMap<SMTPServerAddress, Recipient>();
  /**
   * Every RCPT answered 250 in a transaction, repeats included, keyed by the transaction's envelope.
   * smtp-server folds a repeated address into its earlier envelope entry although it answered 250
   * to both; RFC 2033 §4.2 wants one reply after DATA for each.
   */
  const accepted = new WeakMap<SMTPServerSession['envelope'], SMTPServerAddress[]>();
  /** The directory version each transaction's recipients are looked up under, read at MAIL FROM. */
  const directoryAt = new WeakMap<SMTPServerSession['envelope'], Promise<string | null>>();
  const inflight = new Set<Promise<unknown>>();
  let closing = false;

  const track = <T>(p: Promise<T>): Promise<T> => {
    inflight.add(p);
    void p.finally(() => inflight.delete(p)).catch(() => undefined);
    return p;
  };

  /** Forwards and vacation replies run after the recipient's reply was sent; failures are logged. */
  const afterDelivery = (
    sender: string,
    rcpt: Recipient,
    d: Delivered,
    headers: Headers,
    received: Buffer,
  ) => {
    if (!relay || !d.decision) return;
    const decision = d.decision;
    if (decision.targets.length) {
      const blocked = forwardBlocker(rcpt.address, headers);
      if (blocked) {
        log.warn({ user: rcpt.user, rcpt: rcpt.address, reason: blocked }, 'lmtp: not forwarded');
      } else {
        void track(
          forward(relay, { rcpt: rcpt.address, targets: decision.targets, received })
            .then(() => log.info({ user: rcpt.user, targets: decision.targets }, 'lmtp: forwarded'))
            .catch((err: unknown) => log.error({ err, user: rcpt.user }, 'lmtp: forward failed')),
        );
      }
    }
    if (d.stored && !decision.spam) {
      void track(
        maybeAutoreply(
          { store, autoreplies, redis: ctx.backends.redis, relay, keys: store.keys },
          { user: rcpt.user, rcpt: rcpt.address, sender, headers },
        )
          .then((outcome) => log.debug({ user: rcpt.user, sender, outcome }, 'lmtp: autoreply'))
          .catch((err: unknown) => log.error({ err, user: rcpt.user }, 'lmtp: autoreply failed')),
      );
    }
  };

  /** Stores the message for every recipient; side effects are returned to run after the replies. */
  const receive = async (
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
  ): Promise<{ replies: Array<string | Error>; after: Array<() => void> }> => {
    const { data: received } = await spoolData(stream as AsyncIterable<Buffer>, {
      max: config.maxMessageSize,
      inMemory: LMTP_DATA_IN_MEMORY,
      dir: spoolDir,
    });
    const rcpts = session.envelope.rcptTo;
    if (!received) {
      // smtp-server answers 552 5.3.4 itself (rejectOversized); this is the same refusal
      const replies = rcpts.map(() => replyError(552, 'Error: message exceeds fixed maximum message size'));
      return { replies, after: [] };
    }
    const headers = parseHeaders(received, MAX_HEADER_SCAN);
    const mailFrom = session.envelope.mailFrom;
    const sender = mailFrom ? mailFrom.address : '';
    const after: Array<() => void> = [];
    // a repeated recipient is stored once; each of its RCPTs gets that delivery's reply
    const keyOf = (addr: SMTPServerAddress) => addr.address.toLowerCase();
    const distinct = [...new Map(rcpts.map((addr) => [keyOf(addr), addr])).values()];
    const results = await mapLimit(distinct, DELIVERY_CONCURRENCY, async (addr) => {
      const rcpt = resolved.get(addr);
      if (!rcpt) return replyError(451, 'Error: recipient state lost, try again later');
      const d = await deliverer.deliver({ sender, rcpt }, received, headers);
      after.push(() => afterDelivery(sender, rcpt, d, headers, received));
      return d.reply;
    });
    const byKey = new Map(distinct.map((addr, i) => [keyOf(addr), results[i]!]));
    return { replies: rcpts.map((addr) => byKey.get(keyOf(addr))!), after };
  };

  const smtp = new SMTPServer({
    lmtp: true,
    name: hostname() || 'nestbox',
    banner: 'Nestbox LMTP',
    logger: false,
    // RFC 2033 §5 LHLO keywords: PIPELINING, ENHANCEDSTATUSCODES, 8BITMIME, SMTPUTF8, SIZE
    hideENHANCEDSTATUSCODES: false,
    hideDSN: true,
    hideREQUIRETLS: true,
    size: config.maxMessageSize,
    rejectOversized: true,
    maxRecipients: MAX_RECIPIENTS,
    socketTimeout: SOCKET_TIMEOUT_MS,
    closeTimeout: CLOSE_GRACE_MS,
    disableReverseLookup: true,
    // the MTA is trusted by network position; there is no LMTP login
    disabledCommands: ['AUTH'],
    authOptional: true,
    key: ctx.tls.key,
    cert: ctx.tls.cert,
    onConnect(_session, cb) {
      // the new connection is already counted; refused ones are closed at once (RFC 5321 §3.8)
      if (smtp.connections.size > LMTP_MAX_CONNECTIONS) {
        return cb(replyError(421, '4.7.0 Error: too many connections, try again later'));
      }
      cb();
    },
    onMailFrom(_address, session, cb) {
      if (closing) return cb(replyError(421, 'Service shutting down, try again later'));
      // the transaction's recipients are looked up as of now: the read goes while the MTA sends
      // its first RCPT (a failure shows at that lookup)
      const version = store.recipients.directoryVersion();
      version.catch(() => undefined);
      directoryAt.set(session.envelope, version);
      cb();
    },
    onRcptTo(address, session, cb) {
      if (closing) return cb(replyError(421, 'Service shutting down, try again later'));
      const envelope = session.envelope;
      const list = accepted.get(envelope) ?? [];
      // smtp-server counts distinct addresses only; repeats count here, so the replies stay bounded
      if (list.length >= MAX_RECIPIENTS) return cb(replyError(452, 'Error: too many recipients'));
      void (async () => {
        // one Redis read while no address, user or filter changed (docs/ARCHITECTURE.md §3); a
        // change takes effect from the next transaction, whichever process made it
        const found = await store.recipients.lookup(address.address, directoryAt.get(envelope));
        if (!found) return cb(replyError(550, `<${address.address}>: no such user here`));
        if (found.disabled) return cb(replyError(550, `<${address.address}>: mailbox disabled`));
        resolved.set(address, { address: address.address, user: found.user, filters: found.filters });
        list.push(address);
        accepted.set(envelope, list);
        cb();
      })().catch((err: unknown) => {
        log.error(
          { err, rcpt: address.address, remote: session.remoteAddress },
          'lmtp: recipient lookup failed',
        );
        cb(replyError(451, 'Error: local error in processing, try again later'));
      });
    },
    onData(stream, session, cb) {
      // smtp-server sends one reply per envelope entry (its own 552 and errors too): give it one
      // entry per accepted RCPT, repeats included (RFC 2033 §4.2)
      const list = accepted.get(session.envelope);
      if (list) session.envelope.rcptTo.splice(0, session.envelope.rcptTo.length, ...list);
      void track(
        receive(stream, session).then(
          ({ replies, after }) => {
            cb(null, replies);
            // forwards and vacation replies start once the recipients have their answers
            setImmediate(() => after.forEach((run) => run()));
          },
          (err: unknown) => {
            log.error({ err, remote: session.remoteAddress }, 'lmtp: DATA failed');
            stream.resume();
            cb(replyError(451, 'Error: local error in processing, try again later'));
          },
        ),
      );
    },
  });
  smtp.on('error', (err) => log.warn({ err }, 'lmtp: connection error'));
  // past this the kernel-level listener drops connections before they cost anything
  smtp.server.maxConnections = LMTP_MAX_CONNECTIONS + 10;

  return {
    smtp,
    async close() {
      closing = true;
      const stopped = new Promise<void>((resolve) => smtp.close(() => resolve()));
      // transactions in progress finish and get their replies before connections are ended
      const grace = new Promise((r) => setTimeout(r, CLOSE_GRACE_MS).unref());
      await Promise.race([Promise.allSettled([...inflight]), grace]);
      for (const conn of smtp.connections) conn.send(421, 'Service shutting down');
      await stopped;
      await Promise.race([Promise.allSettled([...inflight]), grace]);
      relay?.close();
    },
  };
}
