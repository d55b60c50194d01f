// Messages: add, copy, move, expunge, flags, lookups, raw bytes and sections, search.
// No transactions: every multi-step write is ordered so that a crash between steps leaves nothing
// visible half-done, only counters that are too high (storageUsed, attachment refs) for the sweep.
import { ObjectId, type Filter } from 'mongodb';
import type {
  IndexedMessage,
  MessagePager,
  PagerOptions,
  MailboxView,
  AddMessageInput,
  AddMessageResult,
  AddStep,
  ByteRange,
  ContentStream,
  CopyResult,
  ExpungeResult,
  Id,
  MessageField,
  MessagesApi,
  MessageView,
  MoveResult,
  SearchKey,
  UidSet,
  UpdateFlagsInput,
  UpdateFlagsResult,
} from './index.ts';
import type { Ctx } from './context.ts';
import { DURABLE, type MailboxDoc, type MessageDoc } from './docs.ts';
import type { NewJournalEntry } from '../notify/index.ts';
import { StoreError } from './errors.ts';
import { oid } from './ids.ts';
import { acquireBodies, bodyOpener, changeRefs, countRefs } from './attachments.ts';
import { applyFlags, flagBooleans, listedIn, normalizeFlags, sameFlags, withIndexFlags } from './flags.ts';
import { normalizeUidSet, uidFilter, uidRanges } from './uidset.ts';
import { dropExpungedPacks } from './packs.ts';
import { giveBackStorage } from './removal.ts';
import { queueRemoval } from './reaper.ts';
import { hasFlag, type IndexEntry } from './mailbox-index/entry.ts';
import { messageCountLocked } from './message-count.ts';
import { parse, rebuild, section, type Parsed } from './mime.ts';
import { indexOnly, searchIds, searchIndex, searchMailbox } from './search.ts';
import { lockName, withAll } from './locks.ts';
import { safeDeep } from './bson-safe.ts';
import { pack, unpack, type Content, type Searchable } from './content.ts';
import { packClosedPages } from './pack-collector.ts';
import { copyPartsOf, searchPartsOf, type HeldForCopy } from './content-cache.ts';
import { readByUid, readInMailbox } from './by-id.ts';
import { PagedReader, pageOf, openMessage, type OpenedMessage } from './open-message.ts';
import { noteKeywords } from './keywords.ts';
import { atAllocatedUids } from './leftovers.ts';

/** Stored text is capped so a message document stays far below 16 MB and quick to scan. */
const MAX_TEXT = 1024 * 1024;
const BATCH = 200;

/** The target of a COPY or MOVE: a UID and a MODSEQ for each message, whose keywords it lists. */
function arriving(
  mailbox: ObjectId,
  user: ObjectId,
  docs: ReadonlyArray<{ flags: string[] }>,
): MailboxChange {
  return { mailbox, user, uids: docs.length, modseqs: docs.length, keywords: docs.flatMap((d) => d.flags) };
}

/** A copy's source as this process holds it: what never changes of the message from the content
 * cache, its flags and dates as the mailbox index lists them (`e`, looked at just now). */
function heldSource(user: ObjectId, mailbox: ObjectId, e: IndexedMessage, held: HeldForCopy): MessageDoc {
  const flags = [...e.flags];
  return {
    ...held,
    _id: new ObjectId(e.id),
    user,
    mailbox,
    uid: e.uid,
    page: pageOf(e.uid),
    modseq: e.modseq,
    idate: new Date(e.idate),
    hdate: new Date(e.hdate),
    flags,
    ...flagBooleans(flags),
    created: new Date(),
  };
}

/**
 * A write of a change that starts before its allocation is back, on the UIDs and MODSEQs this
 * process expects the mailbox to give: those its own last allocation there left
 * (docs/ARCHITECTURE.md §3, "The guessed UID"). `undo` takes it back when the allocation fails.
 */
interface Ahead<E> {
  start(expected: MailboxDoc): Promise<E>;
  undo(done: E): Promise<void>;
}

/** Mailboxes whose next UID and MODSEQ a process remembers; past it, it forgets them all. */
const EXPECTED_MAX = 10_000;

/** A message a MOVE takes, with what its journal entries carry, from the mailbox index. */
type MovingMessage = Pick<MessageDoc, '_id' | 'uid' | 'flags' | 'size' | 'idate' | 'hdate'>;

/** One mailbox a change takes UIDs and MODSEQs from (Messages.change). */
interface MailboxChange {
  mailbox: ObjectId;
  /** The mailbox must be this user's; null: whoever's (the caller checked). */
  user: ObjectId | null;
  uids: number;
  modseqs: number;
  /** Flags the change sets, whose keywords the mailbox then lists (PERMANENTFLAGS). */
  keywords?: readonly string[];
  /** A mailbox deleted meanwhile is no error: `write` sees null. */
  mayBeGone?: boolean;
}
/** What rebuilding the raw bytes needs; the tree's bytes come back as Buffers. */
const RAW_PROJECTION = { content: 1, size: 1, attachmentRefs: 1, user: 1, mailbox: 1, uid: 1 } as const;
const BUFFERS = { promoteBuffers: true };
/** Largest UID set `fetch` reads id by id rather than with one query (see knownIds). */
const KNOWN_IDS_MAX = 64;

const FIELD_PROJECTION: Record<MessageField, string[]> = {
  flags: ['flags'],
  modseq: ['modseq'],
  idate: ['idate'],
  hdate: ['hdate'],
  size: ['size'],
  envelope: ['envelope'],
  bodystructure: ['bodystructure'],
  body: ['body'],
  subject: ['subject'],
  addresses: ['from', 'to', 'cc', 'bcc', 'replyTo', 'sender'],
  msgid: ['msgid', 'inReplyTo', 'references'],
  headers: ['searchable'],
  intro: ['intro'],
  text: ['searchable'],
  attachments: ['attachments', 'hasAttachments'],
};

function projectionFor(fields: readonly MessageField[]): Record<string, 1> {
  const p: Record<string, 1> = { _id: 1, user: 1, mailbox: 1, uid: 1 };
  for (const f of fields) for (const k of FIELD_PROJECTION[f] ?? []) p[k] = 1;
  return p;
}

export function toView(
  d: Partial<MessageDoc> & Pick<MessageDoc, '_id' | 'user' | 'mailbox' | 'uid'>,
  fields: readonly MessageField[],
): MessageView {
  const v: MessageView = {
    id: d._id.toHexString(),
    user: d.user.toHexString(),
    mailbox: d.mailbox.toHexString(),
    uid: d.uid,
  };
  const copy = <K extends keyof MessageView & keyof MessageDoc>(k: K) => {
    if (d[k] !== undefined) (v as unknown as Record<string, unknown>)[k] = d[k];
  };
  for (const k of [
    'flags',
    'modseq',
    'idate',
    'hdate',
    'size',
    'envelope',
    'bodystructure',
    'body',
    'subject',
    'from',
    'to',
    'cc',
    'bcc',
    'replyTo',
    'sender',
    'inReplyTo',
    'references',
    'intro',
    'attachments',
    'hasAttachments',
  ] as const) {
    copy(k);
  }
  if (d.msgid !== undefined) v.msgid = d.msgid;
  if (d.searchable && (fields.includes('headers') || fields.includes('text'))) {
    const c = unpack<Searchable>(d.searchable);
    if (fields.includes('headers')) v.headers = c.headers;
    if (fields.includes('text')) v.text = c.text;
  }
  return v;
}

function ids(user: Id, mailbox: Id): { user: ObjectId; mailbox: ObjectId } {
  const u = oid(user);
  const m = oid(mailbox);
  if (!u) throw new StoreError('NOUSER', 'no such user');
  if (!m) throw new StoreError('NOMAILBOX', 'no such mailbox');
  return { user: u, mailbox: m };
}

/** What `add` answers for the message `d` stored into `box`. */
function addResult(input: AddMessageInput, d: MessageDoc, box: MailboxDoc): AddMessageResult {
  return {
    id: d._id.toHexString(),
    uid: d.uid,
    modseq: d.modseq,
    size: input.raw.length,
    mailbox: input.mailbox,
    uidValidity: box.uidValidity,
  };
}

/** The journal entry of a message that appeared: it carries what the mailbox index keeps. */
function existsEntry(
  user: string,
  d: Pick<MessageDoc, '_id' | 'mailbox' | 'uid' | 'modseq' | 'flags' | 'size' | 'idate' | 'hdate'>,
): NewJournalEntry {
  return {
    user,
    mailbox: d.mailbox.toHexString(),
    modseq: d.modseq,
    command: 'EXISTS',
    uid: d.uid,
    flags: d.flags,
    msg: d._id.toHexString(),
    size: d.size,
    idate: d.idate.getTime(),
    hdate: (d.hdate ?? d.idate).getTime(),
  };
}

/** Above every UID (RFC 3501 §2.3.1.1: 32-bit). */
const MAX_UID = 0xffffffff;

/** A mailbox of another user: refused as if it did not exist, so nothing about it leaks. */
function notOwned(): StoreError {
  return new StoreError('NOMAILBOX', 'no such mailbox');
}

/** `v` when `user` owns its mailbox (the index knows the owner: no read); another user's is refused. */
function ownView<V extends MailboxView>(v: V | null, user: Id): V | null {
  if (v && v.user !== user) throw notOwned();
  return v;
}

/** Whether a read of documents for `fields` needs the mailbox index for flags or MODSEQs, which
 * the documents do not keep current (withIndexFlags). */
function wantsIndexFlags(fields: readonly MessageField[]): boolean {
  return fields.includes('flags') || fields.includes('modseq');
}

/** Fields the mailbox index answers without reading messages. */
const INDEX_FIELDS = new Set<MessageField>(['flags', 'modseq', 'idate', 'hdate', 'size']);

/** The index entries whose UIDs are in `uids`, ascending. */
function inView(v: MailboxView, uids: UidSet): IndexedMessage[] {
  const out: IndexedMessage[] = [];
  for (const [lo, hi] of uidRanges(uids))
    for (let i = v.lowerBound(lo); i < v.entries.length && v.entries[i]!.uid <= hi; i++)
      out.push(v.entries[i]!);
  return out;
}

function indexView(v: MailboxView, e: IndexedMessage, fields: readonly MessageField[]): MessageView {
  const out: MessageView = { id: e.id, user: v.user, mailbox: v.mailbox, uid: e.uid };
  for (const f of fields) {
    if (f === 'flags') out.flags = [...e.flags];
    else if (f === 'modseq') out.modseq = e.modseq;
    else if (f === 'size') out.size = e.size;
    else if (f === 'idate') out.idate = new Date(e.idate);
    else if (f === 'hdate') out.hdate = new Date(e.hdate);
  }
  return out;
}

export class Messages implements MessagesApi {
  /** Each mailbox as this process's last allocation there left it (hex id → document). */
  private readonly expected = new Map<string, MailboxDoc>();

  constructor(private readonly ctx: Ctx) {}

  private async step(name: AddStep): Promise<void> {
    if (this.ctx.opts.onStep) await this.ctx.opts.onStep(name);
  }

  /**
   * Raises storageUsed by `bytes` and the message count by `count` unless that passes the quota
   * or the message limit (0 = unlimited): one update that returns the result, taken back when it
   * is over (rare), under the user's lock, so no other change of either comes in between.
   */
  private async reserve(
    user: ObjectId,
    bytes: number,
    count: number,
    unlimited = this.ctx.usage.unlimited(user),
  ): Promise<void> {
    // nothing to check against: counted, and written a moment later (usage.ts)
    if (await unlimited) return this.ctx.usage.add(user, bytes, count);
    // what this process counted for the user goes in first, so the check sees it
    await this.ctx.usage.flush(user);
    await this.ctx.locks.with(lockName.user(user), async () => {
      const inc = { $inc: { storageUsed: bytes, messagesUsed: count } };
      // no projection: FerretDB's findAndModify does not support one
      let u = await this.ctx.users.findOneAndUpdate({ _id: user, messagesUsed: { $exists: true } }, inc, {
        returnDocument: 'after',
      });
      if (!u) {
        // a user stored before the message count existed has it counted first (once)
        await messageCountLocked(this.ctx, user);
        u = await this.ctx.users.findOneAndUpdate({ _id: user }, inc, { returnDocument: 'after' });
      }
      if (!u) throw new StoreError('NOUSER', 'no such user');
      const overStorage = u.quota > 0 && u.storageUsed > u.quota;
      const limit = u.messageQuota ?? 0;
      const used = u.messagesUsed ?? 0;
      if (overStorage || (limit > 0 && used > limit)) {
        await this.ctx.users.updateOne(
          { _id: user },
          { $inc: { storageUsed: -bytes, messagesUsed: -count } },
        );
        throw new StoreError(
          'OVERQUOTA',
          overStorage
            ? `quota exceeded (${u.storageUsed - bytes} + ${bytes} > ${u.quota} bytes)`
            : `message limit exceeded (${used - count} + ${count} > ${limit} messages)`,
        );
      }
    });
  }

  /**
   * The one write path of every mailbox change (docs/ARCHITECTURE.md §3): under the lock of each
   * mailbox in `on` (taken in id order), take its UIDs and MODSEQs in one update of its document
   * and note the keywords the change brings; `write` then changes the messages with the mailboxes
   * as they were before (null for one that is gone and may be), and the journal entries it returns
   * are written, in MODSEQ order, before the locks go, and handed to this process's index. The
   * caller announces them (beacons) after. A mailbox that is gone and may not be is NOMAILBOX.
   *
   * `alongside` (a delivery's quota reservation) runs under the locks at the same time as the
   * allocation, and `write` only once it succeeded. When it fails, nothing is written and the UIDs
   * and MODSEQs just taken are journaled as expunged (no message ever had them; a UID set counts one
   * MODSEQ per UID), so no index finds a gap and rebuilds from the messages; then its error is thrown.
   *
   * `ahead` (a delivery's insert, on one mailbox) runs beside the allocation too, once the step
   * alongside succeeded, on the UIDs and MODSEQs this process expects, when it expects some;
   * `write` gets what it did (undefined when it did not start or failed) and checks it against
   * `before`. When the allocation fails, what it did is undone.
   */
  private async change<T, E = never>(
    on: readonly MailboxChange[],
    write: (
      before: Array<MailboxDoc | null>,
      early: E | undefined,
    ) => Promise<{ value: T; journal: NewJournalEntry[] }>,
    alongside?: () => Promise<void>,
    ahead?: Ahead<E>,
  ): Promise<T> {
    if (alongside && on.some((c) => c.uids !== c.modseqs))
      throw new Error('change: a change with a step alongside takes one MODSEQ per UID');
    // the UIDs and MODSEQs of a change whose step alongside failed, journaled as expunged
    let unused: NewJournalEntry[] = [];
    try {
      return await withAll(
        this.ctx.locks,
        on.map((c) => lockName.mailbox(c.mailbox)),
        async () => {
          // outcomes are taken at once, so a failure is never left unhandled meanwhile
          const beside = alongside?.().then(
            () => null,
            (err: unknown) => ({ err }),
          );
          const guess =
            ahead && on.length === 1 ? this.expected.get(on[0]!.mailbox.toHexString()) : undefined;
          // once the step alongside succeeded: a message whose quota is refused is never written
          const early = guess
            ? Promise.resolve(beside)
                .then((failed) => (failed ? Promise.reject(failed.err) : ahead!.start(guess)))
                .then(
                  (done) => ({ done }),
                  () => null,
                )
            : null;
          const undoEarly = async () => {
            const e = await early;
            if (!e) return;
            await ahead!.undo(e.done).catch((err: unknown) =>
              this.ctx.opts.log('a write ahead of its allocation could not be undone', {
                err: String(err),
              }),
            );
          };
          let before: Array<MailboxDoc | null>;
          try {
            before = await this.allocate(on);
          } catch (err) {
            await undoEarly();
            throw err;
          } finally {
            // the steps alongside always end before the locks go
            await beside;
            await early;
          }
          const failed = await beside;
          if (failed) {
            const entries = this.unusedEntries(on, before);
            await this.appendJournal(entries);
            unused = entries;
            throw failed.err;
          }
          const { value, journal } = await write(before, (await early)?.done);
          await this.appendJournal(journal);
          return value;
        },
      );
    } finally {
      await this.announce(unused);
    }
  }

  /** UIDs and MODSEQs for each change, in one update of its mailbox each; the documents before. */
  private async allocate(on: readonly MailboxChange[]): Promise<Array<MailboxDoc | null>> {
    const before: Array<MailboxDoc | null> = [];
    for (const c of on) {
      const d = await this.ctx.mailboxes.findOneAndUpdate(
        c.user ? { _id: c.mailbox, user: c.user } : { _id: c.mailbox },
        { $inc: { uidNext: c.uids, modifyIndex: c.modseqs } },
        { returnDocument: 'before' },
      );
      const key = c.mailbox.toHexString();
      if (d) {
        if (this.expected.size >= EXPECTED_MAX && !this.expected.has(key)) this.expected.clear();
        this.expected.set(key, { ...d, uidNext: d.uidNext + c.uids, modifyIndex: d.modifyIndex + c.modseqs });
      } else this.expected.delete(key);
      if (!d && !c.mayBeGone) throw new StoreError('NOMAILBOX', 'no such mailbox');
      if (d && c.keywords?.length) await noteKeywords(this.ctx, d, c.keywords);
      before.push(d);
    }
    return before;
  }

  /** EXPUNGE entries for UIDs and MODSEQs taken by a change that then wrote nothing. */
  private unusedEntries(on: readonly MailboxChange[], before: Array<MailboxDoc | null>): NewJournalEntry[] {
    const out: NewJournalEntry[] = [];
    on.forEach((c, i) => {
      const d = before[i];
      if (!d) return;
      for (let j = 0; j < c.uids; j++)
        out.push({
          user: d.user.toHexString(),
          mailbox: c.mailbox.toHexString(),
          modseq: d.modifyIndex + 1 + j,
          command: 'EXPUNGE',
          uid: d.uidNext + j,
        });
    });
    return out;
  }

  /** Journal entries for a committed change, written under the mailbox lock, so this process's
   * index takes them at once, in order. The notifier retries a failed write until it holds; when
   * it never does, the JournalWriteError goes to the caller, who must not acknowledge the change
   * (docs/ARCHITECTURE.md §3): the change is in, every index finds the gap and rebuilds from the
   * messages. */
  private async appendJournal(entries: NewJournalEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.ctx.notify.appendJournal(entries);
    this.ctx.index.applyLocal(entries);
    for (const m of new Set(entries.map((e) => e.mailbox))) {
      const id = oid(m);
      if (id) this.ctx.index.warm(id);
    }
  }

  /** Beacons for journaled entries; the notifier logs a failed publish (the journal is the truth). */
  private async announce(entries: NewJournalEntry[]): Promise<void> {
    if (entries.length) await this.ctx.notify.announce(entries);
  }

  async add(input: AddMessageInput): Promise<AddMessageResult> {
    if (!input.ackOnCommit) return this.store(input);
    let ack!: (r: AddMessageResult) => void;
    const acked = new Promise<AddMessageResult>((r) => (ack = r));
    const whole = this.store(input, ack);
    // a failure before the commit point is the caller's, as without ackOnCommit
    const res = await Promise.race([acked, whole]);
    // until the journal entry is written, this process's reads of the mailbox wait for it: what
    // it acknowledged, it reads (registered before the caller has the answer)
    this.ctx.index.journaling(
      ids(input.user, input.mailbox).mailbox.toHexString(),
      whole.then(
        () => undefined,
        (err: unknown) =>
          // the message is in and was acknowledged: every index finds the gap and lists it
          this.ctx.opts.log(
            'an acknowledged delivery could not be journaled; indexes list it from the messages',
            {
              user: input.user,
              mailbox: res.mailbox,
              uid: res.uid,
              err: String(err),
            },
          ),
      ),
    );
    return res;
  }

  /** `add`; `onCommit`, when given, has the result at the commit point (`ackOnCommit`). */
  private async store(
    input: AddMessageInput,
    onCommit?: (r: AddMessageResult) => void,
  ): Promise<AddMessageResult> {
    const { user, mailbox } = ids(input.user, input.mailbox);
    if (!Buffer.isBuffer(input.raw)) throw new StoreError('INVALID', 'raw must be a Buffer');
    const raw = input.raw;
    const size = raw.length;
    const flags = normalizeFlags(input.flags ?? []);
    const idate = input.idate ?? new Date();
    if (!(idate instanceof Date) || Number.isNaN(idate.getTime()))
      throw new StoreError('INVALID', 'bad internal date');
    // the owner from this process's mailbox index when it has it (a delivering process keeps its
    // mailboxes' indexes warm): no read; the UID allocation checks again under the lock
    if (!(await this.ownedBox(user.toHexString(), mailbox.toHexString())))
      throw new StoreError('NOMAILBOX', 'no such mailbox');

    // asked while the message is parsed, so the reservation beside the allocation waits for nothing
    const unlimited = this.ctx.usage.unlimited(user);
    unlimited.catch(() => undefined);
    const p = parse(raw, this.ctx.opts.externalizeAbove);
    await this.step('parsed');
    const acquired: string[] = [];
    let doc: MessageDoc | undefined;
    let box: MailboxDoc | undefined;
    let reserved = false;
    let committed = false;
    const reserve = async () => {
      await this.reserve(user, size, 1, unlimited);
      reserved = true;
      await this.step('reserved');
    };
    // from here on, any failure before the commit point gives the reservation back at once
    try {
      // bodies for GridFS are written only once the quota is known to hold; a message without
      // them has its quota reserved under the mailbox lock alongside its UID and MODSEQ (one round
      // trip less to wait for; a refusal journals them as unused, see change)
      const reserveFirst = p.externalBodies.length > 0;
      if (reserveFirst) await reserve();
      await acquireBodies(this.ctx, p.externalBodies, acquired);
      await this.step('attachments');
      const build = (b: MailboxDoc) => this.buildDoc(user, mailbox, b, p, { size, flags, idate, acquired });
      // the insert at the UID this process expects, and how it is taken back (see change)
      const ahead: Ahead<MessageDoc> = {
        start: async (expected) => {
          const d = build(expected);
          await this.ctx.messages.insertOne(d, DURABLE);
          return d;
        },
        undo: async (d) => {
          await this.ctx.messages.deleteOne({ _id: d._id });
        },
      };
      doc = await this.change<MessageDoc, MessageDoc>(
        [{ mailbox, user, uids: 1, modseqs: 1, keywords: flags }],
        async ([before], guessed) => {
          box = before!;
          let d: MessageDoc;
          try {
            // with a guess, the document is already written when the allocation is back
            await this.step('allocated');
            if (guessed && guessed.uid === before!.uidNext && guessed.modseq === before!.modifyIndex + 1)
              d = guessed;
            else {
              // a guess that missed (another process changed the mailbox) goes before the real write
              if (guessed) await ahead.undo(guessed);
              guessed = undefined;
              d = build(before!);
              await atAllocatedUids(this.ctx, mailbox, [d], () => this.ctx.messages.insertOne(d, DURABLE));
            }
          } catch (err) {
            // not acknowledged: a guess written ahead goes too
            if (guessed) await ahead.undo(guessed).catch(() => undefined);
            throw err;
          }
          committed = true;
          if (onCommit) {
            onCommit(addResult(input, d, before!));
            // the answer goes out first; the journal entry has no one waiting for it yet
            await new Promise((r) => setImmediate(r));
          }
          this.ctx.uidIds.set(mailbox, d.uid, d._id);
          this.ctx.contents.put(d._id.toHexString(), d, searchPartsOf(d), copyPartsOf(d));
          await this.step('inserted');
          return { value: d, journal: [existsEntry(input.user, d)] };
        },
        reserveFirst ? undefined : reserve,
        ahead,
      );
      await this.step('journaled');
    } catch (err) {
      if (!committed) {
        // nothing was committed: give back what we took (the sweep repairs it if this fails too)
        if (reserved) await this.ctx.usage.giveBack(user, size, 1).catch(() => undefined);
        if (acquired.length) await changeRefs(this.ctx, countRefs([acquired]), -1).catch(() => undefined);
      }
      throw err;
    }
    await this.announce([existsEntry(input.user, doc)]);
    await this.step('published');
    packClosedPages(this.ctx, mailbox, doc.uid, doc.uid, doc.modseq);
    return addResult(input, doc, box!);
  }

  private buildDoc(
    user: ObjectId,
    mailbox: ObjectId,
    box: MailboxDoc,
    p: Parsed,
    m: { size: number; flags: string[]; idate: Date; acquired: string[] },
  ): MessageDoc {
    // every string the message gave us is made storable; the tree keeps the exact bytes
    const { headers, text, ...t } = safeDeep({
      msgid: p.messageId,
      inReplyTo: p.inReplyTo,
      references: p.references,
      subject: p.subject,
      from: p.from,
      to: p.to,
      cc: p.cc,
      bcc: p.bcc,
      replyTo: p.replyTo,
      sender: p.sender,
      headers: p.headers,
      envelope: p.envelope,
      bodystructure: p.bodystructure,
      body: p.body,
      intro: p.intro,
      text: p.text.slice(0, MAX_TEXT),
      attachments: p.attachments,
    });
    return {
      _id: new ObjectId(),
      user,
      mailbox,
      uid: box.uidNext,
      page: pageOf(box.uidNext),
      modseq: box.modifyIndex + 1,
      idate: m.idate,
      hdate: p.date && !Number.isNaN(p.date.getTime()) ? p.date : m.idate,
      size: m.size,
      flags: m.flags,
      ...flagBooleans(m.flags),
      ...t,
      content: pack({ tree: p.tree }),
      searchable: pack({ headers, text }),
      hasAttachments: p.hasAttachments,
      attachmentRefs: [...m.acquired],
      created: new Date(),
    };
  }

  private async targetBox(user: ObjectId, target: Id | ObjectId): Promise<MailboxDoc> {
    const t = typeof target === 'string' ? oid(target) : target;
    const box = t ? await this.ctx.mailboxes.findOne({ _id: t, user }) : null;
    if (!box) throw new StoreError('NOMAILBOX', 'no such target mailbox');
    return box;
  }

  async copy(input: { user: Id; mailbox: Id; uids: UidSet; target: Id }): Promise<CopyResult> {
    const { user, mailbox } = ids(input.user, input.mailbox);
    const targetId = oid(input.target);
    if (!targetId) throw new StoreError('NOMAILBOX', 'no such target mailbox');
    // the target is read only when nothing is copied: otherwise its UID allocation, which checks
    // that it exists and is the user's, gives its UIDVALIDITY
    const nothing = async () => ({
      uidValidity: (await this.targetBox(user, targetId)).uidValidity,
      map: [],
    });
    const uf = uidFilter<MessageDoc>(input.uids);
    if (!uf) return nothing();
    const list = await this.listed(mailbox, input.user, input.uids);
    if (list.length === 0) return nothing();
    let uidValidity: number | undefined;

    // all or nothing against the quota: reserve the whole copy first
    let reserved = list.reduce((s, d) => s + d.size, 0);
    let reservedCount = list.length;
    await this.reserve(user, reserved, reservedCount);
    const map: CopyResult['map'] = [];
    const entries: NewJournalEntry[] = [];
    try {
      for await (const docs of this.copySources(user, mailbox, list, uf)) {
        if (docs.length === 0) continue;
        const refs = countRefs(docs.map((d) => d.attachmentRefs));
        await changeRefs(this.ctx, refs, 1);
        let copies: MessageDoc[] = [];
        let inserted = 0;
        let failure: unknown = null;
        let journaled: NewJournalEntry[] = [];
        try {
          await this.change([arriving(targetId, user, docs)], async ([before]) => {
            uidValidity ??= before!.uidValidity;
            copies = docs.map((d, j) => ({
              ...d,
              _id: new ObjectId(),
              mailbox: targetId,
              uid: before!.uidNext + j,
              page: pageOf(before!.uidNext + j),
              modseq: before!.modifyIndex + 1 + j,
              created: new Date(),
            }));
            inserted = 0;
            const insertRest = async () => {
              try {
                await this.ctx.messages.insertMany(copies.slice(inserted), { ordered: true, ...DURABLE });
                inserted = copies.length;
              } catch (err) {
                inserted += (err as { insertedCount?: number }).insertedCount ?? 0;
                throw err;
              }
            };
            try {
              await atAllocatedUids(this.ctx, targetId, copies, insertRest);
              for (const c of copies) {
                this.ctx.uidIds.set(targetId, c.uid, c._id);
                this.ctx.contents.put(c._id.toHexString(), c, searchPartsOf(c), copyPartsOf(c));
              }
            } catch (err) {
              failure = err;
            }
            journaled = copies.slice(0, inserted).map((c) => existsEntry(input.user, c));
            return { value: undefined, journal: journaled };
          });
          entries.push(...journaled);
        } catch (err) {
          // the target was deleted, or the copies are in (their storage stays charged) but their
          // journal entries could not be written: the command fails either way
          failure ??= err;
        }
        for (let j = 0; j < inserted; j++) {
          const c = copies[j]!;
          reserved -= c.size;
          reservedCount--;
          map.push({ source: docs[j]!.uid, target: c.uid });
        }
        if (failure) {
          const rest = copies.length ? copies.slice(inserted) : docs;
          await changeRefs(this.ctx, countRefs(rest.map((d) => d.attachmentRefs)), -1).catch(() => undefined);
          throw failure;
        }
      }
      // sources expunged meanwhile are simply not copied: what was reserved for them goes back
      const unused = reserved;
      const unusedCount = reservedCount;
      reserved = 0;
      reservedCount = 0;
      await this.ctx.usage.giveBack(user, unused, unusedCount);
    } catch (err) {
      await this.ctx.usage.giveBack(user, reserved, reservedCount).catch(() => undefined);
      await this.announce(entries);
      throw err;
    }
    await this.announce(entries);
    const top = entries.at(-1);
    if (map.length && top)
      packClosedPages(this.ctx, targetId, map[0]!.target, map.at(-1)!.target, top.modseq);
    // every source expunged meanwhile: nothing was allocated
    if (uidValidity === undefined) return nothing();
    return { uidValidity, map };
  }

  /**
   * The source documents of a copy, in batches ascending by uid: those of `list` (the mailbox
   * index's entries, as listed) still in the mailbox. A message this process holds whole in its
   * content cache is built from it, with the flags and dates the index lists for it now, and not
   * read: it is looked up through the `_id` the index lists at its UID, so an expunged message is
   * never copied from the cache (docs/ARCHITECTURE.md §3, "The content cache"). When at most a
   * batch of them is not held, those are read by _id; more stream through one query, which on
   * FerretDB is one pass over the collection where reads by _id would scan it once per message.
   */
  private async *copySources(
    user: ObjectId,
    mailbox: ObjectId,
    list: readonly IndexedMessage[],
    uf: Filter<MessageDoc>,
  ): AsyncIterable<MessageDoc[]> {
    const missing = list.filter((e) => !this.ctx.contents.holdsForCopy(e.id)).length;
    if (missing > BATCH) {
      yield* this.copyPass(user, mailbox, list, uf);
      return;
    }
    const hex = mailbox.toHexString();
    for (let i = 0; i < list.length; i += BATCH) {
      const docs: MessageDoc[] = [];
      const read: ObjectId[] = [];
      // synchronous: the index is looked at as it is now, and what it lists is what is built
      const now = this.ctx.index.peek(hex);
      for (const listed of list.slice(i, i + BATCH)) {
        const e = now?.get(listed.uid);
        // expunged since the listing: not part of this copy
        if (now && e?.id !== listed.id) continue;
        const held = e && this.ctx.contents.forCopy(e.id);
        if (e && held) docs.push(heldSource(user, mailbox, e, held));
        else read.push(new ObjectId(listed.id));
      }
      if (read.length) {
        for (const d of await readInMailbox<MessageDoc>(this.ctx, read, mailbox, null)) {
          this.keepForCopy(d);
          docs.push(withIndexFlags(d, this.ctx.index.peek(hex) ?? now));
        }
        docs.sort((a, b) => a.uid - b.uid);
      }
      yield docs;
    }
  }

  /** A copy's sources through one query over the mailbox (see copySources). */
  private async *copyPass(
    user: ObjectId,
    mailbox: ObjectId,
    list: readonly IndexedMessage[],
    uf: Filter<MessageDoc>,
  ): AsyncIterable<MessageDoc[]> {
    const listed = new Set(list.map((e) => e.id));
    const hex = mailbox.toHexString();
    const cursor = this.ctx.messages
      .find({ $and: [{ mailbox, user }, uf] })
      .sort({ uid: 1 })
      .batchSize(BATCH);
    let batch: MessageDoc[] = [];
    for await (const d of cursor) {
      // a message that arrived after the listing has no reservation: it is not part of this copy
      if (!listed.has(d._id.toHexString())) continue;
      this.keepForCopy(d);
      batch.push(withIndexFlags(d, this.ctx.index.peek(hex)));
      if (batch.length === BATCH) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
  }

  /** A whole message document read, kept in the content cache with all a later copy needs. */
  private keepForCopy(d: MessageDoc): void {
    this.ctx.contents.put(d._id.toHexString(), d, searchPartsOf(d), copyPartsOf(d));
  }

  async move(input: { user: Id; mailbox: Id; uids: UidSet; target: Id }): Promise<MoveResult> {
    const { user, mailbox } = ids(input.user, input.mailbox);
    const target = await this.targetBox(user, input.target);
    if (target._id.equals(mailbox)) throw new StoreError('CANNOT', 'source and target are the same mailbox');
    const list = (await this.listed(mailbox, input.user, input.uids)).map((e) => ({
      _id: new ObjectId(e.id),
      uid: e.uid,
    }));
    return this.moveDocs(user, mailbox, target, list, input.user);
  }

  /**
   * Moves documents in place: one update per message changes mailbox, uid and modseq, so a message
   * is never in both mailboxes or in neither, and no storage or attachment count moves.
   */
  private async moveDocs(
    user: ObjectId,
    mailbox: ObjectId,
    target: MailboxDoc,
    list: Array<Pick<MessageDoc, '_id' | 'uid'>>,
    userHex: string,
  ): Promise<MoveResult> {
    const map: MoveResult['map'] = [];
    const expunged: number[] = [];
    for (let i = 0; i < list.length; i += BATCH) {
      const part = list.slice(i, i + BATCH);
      const entries = await this.ctx.locks.with(lockName.mailboxMessages(mailbox), async () => {
        // under this lock only this call moves or removes these messages or changes their flags:
        // the index, brought up to the mailbox, is exact for them and gives what the journal
        // entries need, so no message is read before it is moved (a concurrent expunge or move
        // may have taken some)
        const v = await this.ctx.index.current(mailbox);
        const docs: MovingMessage[] = [];
        for (const { _id, uid } of part) {
          const e = v?.get(uid);
          if (e && e.id === _id.toHexString())
            docs.push({
              _id,
              uid,
              flags: [...e.flags],
              size: e.size,
              idate: new Date(e.idate),
              hdate: new Date(e.hdate),
            });
        }
        if (docs.length === 0) return [];
        return this.change(
          [
            arriving(target._id, user, docs),
            { mailbox, user: null, uids: 0, modseqs: docs.length, mayBeGone: true },
          ],
          async ([tBefore, sBefore]) => {
            const base = sBefore?.modifyIndex ?? 0;
            const exists: NewJournalEntry[] = [];
            const gone: NewJournalEntry[] = [];
            for (let j = 0; j < docs.length; j++) {
              const d = docs[j]!;
              const uid = tBefore!.uidNext + j;
              const modseq = tBefore!.modifyIndex + 1 + j;
              // a bare _id (see updateFlags): the index placed it in this mailbox under this lock
              const res = await atAllocatedUids(this.ctx, target._id, [{ _id: d._id, uid }], () =>
                // the flags go along as the index lists them: a build of the target's index from
                // its messages takes them from the document (docs/ARCHITECTURE.md §3)
                this.ctx.messages.updateOne(
                  { _id: d._id },
                  {
                    $set: {
                      mailbox: target._id,
                      uid,
                      modseq,
                      page: pageOf(uid),
                      flags: d.flags,
                      ...flagBooleans(d.flags),
                    },
                  },
                ),
              );
              if (res.matchedCount !== 1) continue;
              this.ctx.uidIds.forget(mailbox, d.uid);
              this.ctx.uidIds.set(target._id, uid, d._id);
              map.push({ source: d.uid, target: uid });
              expunged.push(d.uid);
              exists.push(existsEntry(userHex, { ...d, mailbox: target._id, uid, modseq }));
              gone.push({
                user: userHex,
                mailbox: mailbox.toHexString(),
                modseq: base + 1 + j,
                command: 'EXPUNGE',
                uid: d.uid,
              });
            }
            // the moved messages' pages lose their packs before the journal says they left
            await dropExpungedPacks(this.ctx, gone);
            const all = [...exists, ...gone];
            return { value: all, journal: all };
          },
        );
      });
      await this.announce(entries);
    }
    return { uidValidity: target.uidValidity, map, expunged };
  }

  /** INBOX rename: every message of `from` moves to `to`. */
  async moveAll(user: ObjectId, from: ObjectId, to: ObjectId): Promise<void> {
    const target = await this.ctx.mailboxes.findOne({ _id: to, user });
    if (!target) throw new StoreError('NOMAILBOX', 'no such target mailbox');
    const v = await this.ctx.index.current(from);
    const list = (
      await this.ctx.messages
        .find({ mailbox: from, user }, { projection: { _id: 1, uid: 1 } })
        .sort({ uid: 1 })
        .toArray()
    ).filter((d) => listedIn(d, v));
    await this.moveDocs(user, from, target, list, user.toHexString());
  }

  async expunge(input: {
    user: Id;
    mailbox: Id;
    uids?: UidSet;
    requireDeleted?: boolean;
  }): Promise<ExpungeResult> {
    const { mailbox } = ids(input.user, input.mailbox);
    const requireDeleted = input.requireDeleted !== false;
    // candidates from the mailbox index; each is checked again under the lock below
    const list = (await this.listed(mailbox, input.user, input.uids ?? [[1, MAX_UID]])).filter(
      (e) => !requireDeleted || hasFlag(e.flags, '\\Deleted'),
    );
    const uids: number[] = [];
    for (let i = 0; i < list.length; i += BATCH) {
      const part = list.slice(i, i + BATCH);
      const entries = await this.ctx.locks.with(lockName.mailboxMessages(mailbox), async () => {
        // under this lock only this call removes these messages or changes their flags: the
        // index, brought up to the mailbox, is exact for them, so only what is still here and
        // still matches goes, and no message is read
        const v = await this.ctx.index.current(mailbox);
        const gone: IndexEntry[] = [];
        for (const { uid, id } of part) {
          const e = v?.get(uid);
          if (e && e.id === id && (!requireDeleted || hasFlag(e.flags, '\\Deleted'))) gone.push(e);
        }
        if (gone.length === 0) return [];
        return this.change(
          [{ mailbox, user: null, uids: 0, modseqs: gone.length, mayBeGone: true }],
          async ([before]) => {
            // a mailbox deleted meanwhile: its deletion removes the messages
            if (!before) return { value: [], journal: [] };
            const base = before.modifyIndex;
            const owner = before.user;
            // the documents go a moment later, a page at a time (reaper.ts); from the removal
            // document on, no read lists them, and the journal entries after it take them out of
            // every mailbox index
            await queueRemoval(
              this.ctx,
              owner,
              mailbox,
              gone.map((e) => e.uid),
            );
            await giveBackStorage(
              this.ctx,
              gone.map((e) => ({ user: owner, size: e.size })),
            );
            for (const e of gone) this.ctx.uidIds.forget(mailbox, e.uid);
            const out = gone.map((e, j): NewJournalEntry => ({
              user: input.user,
              mailbox: input.mailbox,
              modseq: base + 1 + j,
              command: 'EXPUNGE',
              uid: e.uid,
            }));
            return { value: out, journal: out };
          },
        );
      });
      for (const e of entries) uids.push(e.uid);
      await this.announce(entries);
    }
    return { uids };
  }

  async updateFlags(input: UpdateFlagsInput): Promise<UpdateFlagsResult> {
    const { user, mailbox } = ids(input.user, input.mailbox);
    const flags = normalizeFlags(input.flags);
    const result: UpdateFlagsResult = { updated: [], modified: [] };
    const since = input.unchangedSince;
    // the messages in the set, from the mailbox index: no message is read to change flags
    const list = await this.listed(mailbox, input.user, input.uids);
    for (let i = 0; i < list.length; i += BATCH) {
      const part = list.slice(i, i + BATCH);
      const entries = await this.ctx.locks.with(lockName.mailboxMessages(mailbox), async () => {
        // under this lock only this call changes their flags: the index, brought up to the
        // mailbox, is exact for them
        const v = await this.ctx.index.current(mailbox);
        const changes: Array<{ uid: number; flags: string[] }> = [];
        for (const { uid } of part) {
          const d = v?.get(uid);
          if (!d) continue; // expunged meanwhile
          // RFC 7162 §3.2: UNCHANGEDSINCE fails for messages changed after the given MODSEQ
          if (since !== undefined && d.modseq > since) {
            result.modified.push(uid);
            continue;
          }
          const next = applyFlags(d.flags, input.action, flags);
          if (!sameFlags(next, d.flags)) changes.push({ uid, flags: next });
        }
        if (changes.length === 0) return [];
        return this.change(
          [
            {
              mailbox,
              user,
              uids: 0,
              modseqs: changes.length,
              keywords: input.action === 'remove' ? [] : flags,
            },
          ],
          async ([before]) => {
            // the journal entries are the change: flags live in the mailbox index, and the
            // documents are not written (docs/ARCHITECTURE.md §3, "Flags live in the mailbox index")
            const out: NewJournalEntry[] = [];
            for (let j = 0; j < changes.length; j++) {
              const c = changes[j]!;
              const modseq = before!.modifyIndex + 1 + j;
              result.updated.push({ uid: c.uid, flags: c.flags, modseq });
              out.push({
                user: input.user,
                mailbox: input.mailbox,
                modseq,
                command: 'FETCH',
                uid: c.uid,
                flags: c.flags,
              });
            }
            return { value: out, journal: out };
          },
        );
      });
      await this.announce(entries);
    }
    result.updated.sort((a, b) => a.uid - b.uid);
    result.modified.sort((a, b) => a - b);
    return result;
  }

  /** The user's messages of `mailbox` in `uids`, ascending, from the mailbox index. */
  private async listed(mailbox: ObjectId, user: Id, uids: UidSet): Promise<IndexedMessage[]> {
    const v = ownView(await this.ctx.index.current(mailbox), user);
    return v ? inView(v, uids) : [];
  }

  /**
   * `mailbox` when `user` owns it, null when there is no such mailbox; another user's is refused.
   * The owner comes from the mailbox index when this process holds it (no read), else from one
   * read of the mailbox by `_id`.
   */
  private async ownedBox(user: Id, mailbox: Id): Promise<ObjectId | null> {
    const m = oid(mailbox);
    if (!m) return null;
    let owner = this.ctx.index.peek(m.toHexString())?.user;
    if (owner === undefined) {
      const d = await this.ctx.mailboxes.findOne({ _id: m }, { projection: { user: 1 } });
      if (!d) return null;
      owner = d.user.toHexString();
    }
    if (owner !== user) throw notOwned();
    return m;
  }

  async view(user: Id, mailbox: Id, atLeast?: number): Promise<MailboxView | null> {
    const m = oid(mailbox);
    return m ? ownView(await this.ctx.index.current(m, atLeast), user) : null;
  }

  async listUids(user: Id, mailbox: Id): Promise<number[]> {
    return (await this.listMailbox(user, mailbox)).uids;
  }

  async listMailbox(user: Id, mailbox: Id): Promise<{ uids: number[]; firstUnseen: number | null }> {
    const v = await this.view(user, mailbox);
    return v ? { uids: v.uids(), firstUnseen: v.firstUnseen() } : { uids: [], firstUnseen: null };
  }

  async *fetch(
    user: Id,
    mailbox: Id,
    uids: UidSet,
    fields: readonly MessageField[],
  ): AsyncIterable<MessageView> {
    const uf = uidFilter<MessageDoc>(uids);
    if (fields.every((f) => INDEX_FIELDS.has(f))) {
      // answered from the mailbox index alone: no message is read
      const v = await this.view(user, mailbox);
      if (!v || !uf) return;
      for (const e of inView(v, uids)) yield indexView(v, e, fields);
      return;
    }
    const m = await this.ownedBox(user, mailbox);
    if (!m || !uf) return;
    // the mailbox index names the messages; the documents give the rest
    const v = await this.view(user, mailbox);
    const flagsOf = wantsIndexFlags(fields) ? v : null;
    const known = this.knownIds(m, uids);
    if (known) {
      for (const d of await readInMailbox<MessageDoc>(this.ctx, known, m, projectionFor(fields))) {
        if (listedIn(d, v)) yield toView(withIndexFlags(d, flagsOf), fields);
      }
      return;
    }
    const cursor = this.ctx.messages
      .find({ $and: [{ mailbox: m }, uf] }, { projection: projectionFor(fields) })
      .sort({ uid: 1 })
      .batchSize(100);
    for await (const d of cursor) {
      if (!listedIn(d, v)) continue;
      this.ctx.uidIds.set(m, d.uid, d._id);
      yield toView(withIndexFlags(d, flagsOf), fields);
    }
  }

  /**
   * The ids of a small UID set when this process knows every one (from its mailbox index or as
   * remembered); null sends the caller to the query. A UID with no known id may still exist (a
   * change not applied here yet), so one gap means asking the database.
   */
  private knownIds(mailbox: ObjectId, uids: UidSet): ObjectId[] | null {
    const n = normalizeUidSet(uids);
    const all = new Set(n.singles);
    for (const r of n.ranges) {
      if (all.size + (r.hi - r.lo + 1) > KNOWN_IDS_MAX) return null;
      for (let u = r.lo; u <= r.hi; u++) all.add(u);
    }
    if (all.size > KNOWN_IDS_MAX) return null;
    const index = this.ctx.index.peek(mailbox.toHexString());
    const out: ObjectId[] = [];
    for (const u of all) {
      const listed = index?.get(u)?.id;
      const id = listed ? new ObjectId(listed) : this.ctx.uidIds.get(mailbox, u);
      if (!id) return null;
      out.push(id);
    }
    return out;
  }

  async getById(user: Id, id: Id, fields: readonly MessageField[]): Promise<MessageView | null> {
    const u = oid(user);
    const i = oid(id);
    if (!u || !i) return null;
    // Filter on _id alone and check the owner here: FerretDB passes only a bare _id filter down to
    // SQLite and decodes the whole collection for {_id, user}.
    const d = await this.ctx.messages.findOne(
      { _id: i },
      { projection: { ...projectionFor(fields), user: 1 } },
    );
    if (!d || !d.user.equals(u)) return null;
    const v = await this.ctx.index.current(d.mailbox);
    return listedIn(d, v) ? toView(withIndexFlags(d, wantsIndexFlags(fields) ? v : null), fields) : null;
  }

  private async rawOf(
    d: Pick<MessageDoc, 'content' | 'size' | 'attachmentRefs'> | null,
    range?: ByteRange,
  ): Promise<ContentStream | null> {
    if (!d) return null;
    const open = await bodyOpener(this.ctx, d.attachmentRefs ?? []);
    return { size: d.size, stream: rebuild(unpack<Content>(d.content).tree, open, range) };
  }

  async openRaw(user: Id, mailbox: Id, uid: number, range?: ByteRange): Promise<ContentStream | null> {
    const m = await this.ownedBox(user, mailbox);
    if (!m) return null;
    return this.rawOf(await readByUid<MessageDoc>(this.ctx, m, uid, RAW_PROJECTION, BUFFERS), range);
  }

  async openRawById(user: Id, id: Id, range?: ByteRange): Promise<ContentStream | null> {
    const u = oid(user);
    const i = oid(id);
    if (!u || !i) return null;
    // bare _id filter: see getById
    const d = await this.ctx.messages.findOne({ _id: i }, { projection: RAW_PROJECTION, ...BUFFERS });
    if (!d || !d.user.equals(u) || !listedIn(d, await this.ctx.index.current(d.mailbox))) return null;
    return this.rawOf(d, range);
  }

  async openSection(
    user: Id,
    mailbox: Id,
    uid: number,
    name: string,
    range?: ByteRange,
  ): Promise<ContentStream | null> {
    const m = await this.ownedBox(user, mailbox);
    if (!m) return null;
    const d = await readByUid<MessageDoc>(this.ctx, m, uid, { content: 1, attachmentRefs: 1 }, BUFFERS);
    if (!d) return null;
    const s = section(unpack<Content>(d.content).tree, name);
    if (!s) return null;
    const open = await bodyOpener(this.ctx, d.attachmentRefs ?? []);
    return { size: s.size, stream: s.stream(open, range) };
  }

  async open(user: Id, mailbox: Id, uid: number): Promise<OpenedMessage | null> {
    return (await this.ownedBox(user, mailbox)) ? openMessage(this.ctx, mailbox, uid) : null;
  }

  pager(user: Id, mailbox: Id, wanted?: UidSet, options: PagerOptions = {}): MessagePager {
    const own = () => this.ownedBox(user, mailbox);
    return new PagedReader(this.ctx, mailbox, own, wanted, options.writePacks ?? true);
  }

  async search(user: Id, mailbox: Id, query: SearchKey): Promise<number[]> {
    if (indexOnly(query)) {
      const v = await this.view(user, mailbox);
      return v ? searchIndex(v, query) : [];
    }
    const m = await this.ownedBox(user, mailbox);
    if (!m) return [];
    // a query limited to a few UIDs the index knows (a live search checking new messages) reads
    // just those documents
    const limit = query.type === 'and' ? query.keys.find((k) => k.type === 'uid') : undefined;
    const known = limit?.type === 'uid' ? this.knownIds(m, limit.uids) : null;
    return known ? searchIds(this.ctx, m, known, query) : searchMailbox(this.ctx, m, query);
  }
}
