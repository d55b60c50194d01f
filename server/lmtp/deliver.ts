// Delivery of one received message to one recipient: filters decide the mailbox, the store writes
// the message, and the reply reflects exactly what the store did (RFC 2033 §4.2: one reply per
// recipient). 250 only once messages.add resolved, i.e. the document is durably written (its
// journal entry follows under the mailbox lock: `ackOnCommit`, docs/ARCHITECTURE.md §3).
import type { Logger } from '../log/logger.ts';
import { isStoreError, type Store } from '../store/index.ts';
import type { FilterInfo } from '../store/filters.ts';
import type { Headers } from '../mime/header-fields.ts';
import { Candidate, decide, type Decision } from './rules.ts';

export interface Recipient {
  /** The address as given in RCPT TO. */
  address: string;
  user: string;
  /** The user's filters as read with the recipient at RCPT, so DATA does not wait for them. */
  filters: readonly FilterInfo[];
}

export interface Delivered {
  /** 250 text, or an Error carrying the reply code. */
  reply: string | Error;
  decision?: Decision;
  stored: boolean;
}

export function replyError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

/** CR, LF and NUL never reach a header line, whatever the envelope held. */
const headerSafe = (s: string) => s.replace(/[\r\n\0]/g, '');

export function tracePrefix(sender: string, rcpt: string): Buffer {
  return Buffer.from(`Return-Path: <${headerSafe(sender)}>\r\nDelivered-To: ${headerSafe(rcpt)}\r\n`);
}

export class Deliverer {
  private readonly inboxes = new Map<string, { id: string; at: number }>();

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
  ) {}

  private async inbox(user: string): Promise<string | null> {
    const hit = this.inboxes.get(user);
    if (hit && Date.now() - hit.at < 60_000) return hit.id;
    const box = await this.store.mailboxes.get(user, 'INBOX');
    if (!box) return null;
    if (this.inboxes.size > 10_000) this.inboxes.clear();
    this.inboxes.set(user, { id: box.id, at: Date.now() });
    return box.id;
  }

  private async target(user: string, d: Decision): Promise<string | null> {
    if (d.mailbox) {
      const box = await this.store.mailboxes.getById(user, d.mailbox);
      if (box) return box.id;
    }
    if (d.spam) {
      const junk = await this.store.mailboxes.getBySpecialUse(user, '\\Junk');
      if (junk) return junk.id;
    }
    return this.inbox(user);
  }

  async deliver(
    env: { sender: string; rcpt: Recipient },
    received: Buffer,
    headers: Headers,
  ): Promise<Delivered> {
    const { rcpt } = env;
    try {
      const rules = rcpt.filters.filter((f) => !f.disabled);
      const decision = await decide(rules, new Candidate(received, headers));
      if (decision.discard) {
        this.log.info(
          { user: rcpt.user, rcpt: rcpt.address, filters: decision.matched },
          'lmtp: discarded by filter',
        );
        return { reply: 'OK: discarded by filter', decision, stored: false };
      }
      const mailbox = await this.target(rcpt.user, decision);
      if (!mailbox)
        return { reply: replyError(451, 'Error: mailbox unavailable, try again later'), stored: false };
      const raw = Buffer.concat([tracePrefix(env.sender, rcpt.address), received]);
      const res = await this.store.messages.add({
        user: rcpt.user,
        mailbox,
        raw,
        ...(decision.flags.length ? { flags: decision.flags } : {}),
        // 250 once the message is durable; its journal entry is written while the next comes in
        ackOnCommit: true,
      });
      // best effort and off the reply's path: this process's later reads of the counts come after
      // it on the same Redis connection
      void this.store.deliveries.count('lmtp');
      return { reply: `OK: delivered as ${res.id}`, decision, stored: true };
    } catch (err) {
      if (isStoreError(err, 'OVERQUOTA')) {
        return { reply: replyError(552, `<${rcpt.address}> mailbox is full (over quota)`), stored: false };
      }
      if (isStoreError(err, 'NOMAILBOX')) this.inboxes.delete(rcpt.user);
      this.log.error({ err, user: rcpt.user, rcpt: rcpt.address }, 'lmtp: delivery failed');
      // RFC 3463: 4.3.0, the sender's MTA keeps the message and retries
      return { reply: replyError(451, 'Error: local error in processing, try again later'), stored: false };
    }
  }
}
