// What reading a message's bytes needs (its packed MIME tree, size and attachment references), and
// what searching its text, headers and addresses needs when the read had it, for the messages this
// process stored or read lately, so FETCH of bodies, POP3 RETR and SEARCH of them need no database
// read (docs/ARCHITECTURE.md §3, "The content cache"). On FerretDB every query on the
// messages is a pass over the collection; Dovecot gets the same from the kernel's page cache.
// When the read had the whole document (a delivery, APPEND, COPY), the rest of what a COPY carries
// over is kept too, so copying the message needs no read either.
// Safe without invalidation: a message's content never changes once stored, and an entry is found
// only through the message's `_id` as the mailbox index lists it, so an expunged message (gone from
// the index) is never served from here.
import type { Binary } from 'mongodb';
import type { AddressValue, MessageDoc } from './docs.ts';
import { plainPart, repack } from './content.ts';
import { ByteLru } from './byte-lru.ts';

export interface CachedContent {
  content: Buffer;
  size: number;
  attachmentRefs: string[];
  /** What SEARCH of text, headers and addresses reads, when the read that brought it had it. */
  search?: SearchParts;
  /** The rest of what a COPY carries over, when the read that brought it had the whole document. */
  copy?: CopyParts;
}

/** The fields of a message document that never change and are neither its content nor its search
 * parts: with those, its size and attachment references, all a COPY takes from the source (the
 * mailbox, UID, MODSEQ, flags and dates come from the mailbox index). */
export type CopyParts = Pick<
  MessageDoc,
  | 'msgid'
  | 'inReplyTo'
  | 'references'
  | 'envelope'
  | 'bodystructure'
  | 'body'
  | 'intro'
  | 'attachments'
  | 'hasAttachments'
>;

/** What building a copy of a message needs, as the cache hands it out: all of it the caller's
 * own, the parts packed as a message document stores them. */
export interface HeldForCopy extends Omit<SearchParts, 'searchable'>, CopyParts {
  content: Binary;
  searchable: Binary;
  size: number;
  attachmentRefs: string[];
}

/** The parts of a message a search of its text, headers and addresses needs (as in a pack), with
 * `searchable` plain. */
export type SearchParts = Pick<
  MessageDoc,
  'subject' | 'from' | 'to' | 'cc' | 'bcc' | 'replyTo' | 'sender'
> & {
  searchable: Buffer;
};

type Stored = Binary | Buffer | Uint8Array;

/** Search parts as a document or pack item holds them. */
export type SearchInput = Omit<SearchParts, 'searchable'> & { searchable: Stored };

/** A message document or pack item, as far as its search parts go. */
export type SearchSource = { [K in keyof SearchInput]?: SearchInput[K] | undefined };

/** The search parts of a document or pack item that has them (a read that took `searchable`). */
export function searchPartsOf(d: SearchSource): SearchInput | undefined {
  if (!d.searchable) return undefined;
  return {
    searchable: d.searchable,
    subject: d.subject ?? '',
    from: d.from ?? [],
    to: d.to ?? [],
    cc: d.cc ?? [],
    bcc: d.bcc ?? [],
    replyTo: d.replyTo ?? [],
    sender: d.sender ?? [],
  };
}

/** A message document's copy parts, when it has every one (a whole document of this version). */
export function copyPartsOf(d: { [K in keyof CopyParts]?: CopyParts[K] | undefined }): CopyParts | undefined {
  const { msgid, inReplyTo, references, envelope, bodystructure, body, intro, attachments, hasAttachments } =
    d;
  if (
    msgid === undefined ||
    inReplyTo === undefined ||
    !Array.isArray(references) ||
    typeof envelope !== 'string' ||
    typeof bodystructure !== 'string' ||
    typeof body !== 'string' ||
    typeof intro !== 'string' ||
    !Array.isArray(attachments) ||
    typeof hasAttachments !== 'boolean'
  )
    return undefined;
  return { msgid, inReplyTo, references, envelope, bodystructure, body, intro, attachments, hasAttachments };
}

function cloneAddresses(a: readonly AddressValue[]): AddressValue[] {
  return a.map((x) => ({ ...x }));
}

/** The search parts but `searchable`, in arrays and objects of their own, and nothing else of
 * `s` (a pack item or document passed in holds more). */
function cloneSearch(s: Omit<SearchParts, 'searchable'>): Omit<SearchParts, 'searchable'> {
  return {
    subject: s.subject,
    from: cloneAddresses(s.from),
    to: cloneAddresses(s.to),
    cc: cloneAddresses(s.cc),
    bcc: cloneAddresses(s.bcc),
    replyTo: cloneAddresses(s.replyTo),
    sender: cloneAddresses(s.sender),
  };
}

function cloneCopy(c: CopyParts): CopyParts {
  return {
    msgid: c.msgid,
    inReplyTo: c.inReplyTo,
    references: [...c.references],
    envelope: c.envelope,
    bodystructure: c.bodystructure,
    body: c.body,
    intro: c.intro,
    attachments: c.attachments.map((a) => ({ ...a })),
    hasAttachments: c.hasAttachments,
  };
}

/** A copy in a buffer of its own, so an entry never holds on to a larger buffer (a whole database
 * reply) it was cut from. */
function own(stored: Stored): Buffer {
  const bytes = plainPart(stored);
  const copy = Buffer.allocUnsafeSlow(bytes.byteLength);
  copy.set(bytes);
  return copy;
}

/** Bytes counted for an entry: its buffers, attachment references, the subject and addresses
 * roughly, its copy parts' strings (two bytes a character) and objects, and ENTRY_OVERHEAD. */
function costOf(e: CachedContent): number {
  let n = e.content.byteLength + ENTRY_OVERHEAD;
  for (const r of e.attachmentRefs) n += textCost(r);
  if (e.search) {
    const s = e.search;
    const addresses =
      s.from.length + s.to.length + s.cc.length + s.bcc.length + s.replyTo.length + s.sender.length;
    n += s.searchable.byteLength + 2 * s.subject.length + ADDRESS_COST * addresses;
  }
  if (e.copy) n += copyCost(e.copy);
  return n;
}

function textCost(s: string | null | undefined): number {
  return s == null ? 0 : STRING_OVERHEAD + 2 * s.length;
}

function copyCost(c: CopyParts): number {
  let n = COPY_OVERHEAD;
  for (const s of [c.msgid, c.inReplyTo, c.envelope, c.bodystructure, c.body, c.intro]) n += textCost(s);
  for (const r of c.references) n += textCost(r);
  for (const a of c.attachments)
    n +=
      ATTACHMENT_OVERHEAD +
      textCost(a.id) +
      textCost(a.filename) +
      textCost(a.contentType) +
      textCost(a.disposition) +
      textCost(a.contentId);
  return n;
}

/** Bytes counted per string besides its characters (header, map slot). */
const STRING_OVERHEAD = 32;

/** Bytes counted for the copy parts' object and arrays besides their strings. */
const COPY_OVERHEAD = 160;

/** Bytes counted per attachment described besides its strings (an object of six fields). */
const ATTACHMENT_OVERHEAD = 80;

/** Bytes counted per address of a cached message (two short strings and an object). */
const ADDRESS_COST = 120;

/** Entries above this size are not kept: one large tree would push out many small messages. */
const MAX_ENTRY_FRACTION = 16;

/** Bytes an entry is counted for besides its tree (map slot, object, references). */
const ENTRY_OVERHEAD = 200;

/** Least recently used entries go first once the bytes held pass `maxBytes`; 0 keeps nothing. */
export class ContentCache {
  private readonly entries: ByteLru<CachedContent>;

  constructor(maxBytes: number) {
    this.entries = new ByteLru(maxBytes, costOf, MAX_ENTRY_FRACTION);
  }

  get(id: string): CachedContent | undefined {
    return this.entries.get(id);
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  /** Whether `forCopy` would give the message (no use counted). */
  holdsForCopy(id: string): boolean {
    const e = this.entries.peek(id);
    return !!(e?.search && e.copy);
  }

  /** What a copy of the message needs, when the cache holds all of it (its search and copy parts
   * too), in objects and buffers of the caller's own. */
  forCopy(id: string): HeldForCopy | undefined {
    const e = this.get(id);
    if (!e?.search || !e.copy) return undefined;
    return {
      ...cloneSearch(e.search),
      ...cloneCopy(e.copy),
      content: repack(e.content),
      searchable: repack(e.search.searchable),
      size: e.size,
      attachmentRefs: [...e.attachmentRefs],
    };
  }

  /** Keeps a message's content, as stored (a Binary) or as read (a Buffer), its search parts and
   * its copy parts when given (added to an entry kept without them); all copied. */
  put(
    id: string,
    d: { content: Stored; size: number; attachmentRefs?: string[] | undefined },
    search?: SearchInput,
    copy?: CopyParts,
  ): void {
    const had = this.entries.peek(id);
    if (had && (had.search || !search) && (had.copy || !copy)) return;
    const e: CachedContent = had
      ? { ...had }
      : { content: own(d.content), size: d.size, attachmentRefs: [...(d.attachmentRefs ?? [])] };
    if (search && !e.search) e.search = { ...cloneSearch(search), searchable: own(search.searchable) };
    if (copy && !e.copy) e.copy = cloneCopy(copy);
    // too large with what is added: an entry kept before stays as it was (ByteLru.set)
    this.entries.set(id, e);
  }

  delete(id: string): void {
    this.entries.delete(id);
  }

  /** Bytes held, as counted against the bound. */
  get held(): number {
    return this.entries.held;
  }

  get size(): number {
    return this.entries.size;
  }
}
