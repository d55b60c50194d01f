// What reading a message's bytes needs (its packed MIME tree, size and attachment references), and
// what searching its text, headers and addresses needs when the read had it, for the messages this
// process stored or read lately, so FETCH of bodies, POP3 RETR and SEARCH of them need no database
// read (docs/ARCHITECTURE.md §3, "The content cache"). On FerretDB every query on the
// messages is a pass over the collection; Dovecot gets the same from the kernel's page cache.
// Safe without invalidation: a message's content never changes once stored, and an entry is found
// only through the message's `_id` as the mailbox index lists it, so an expunged message (gone from
// the index) is never served from here.
import type { Binary } from 'mongodb';
import type { AddressValue } from './docs.ts';
import { plainPart } from './content.ts';

export interface CachedContent {
  content: Buffer;
  size: number;
  attachmentRefs: string[];
  /** What SEARCH of text, headers and addresses reads, when the read that brought it had it. */
  search?: SearchParts;
}

/** The parts of a message a search of its text, headers and addresses needs (as in a pack). */
export interface SearchParts {
  searchable: Buffer;
  subject: string;
  from: AddressValue[];
  to: AddressValue[];
  cc: AddressValue[];
  bcc: AddressValue[];
  replyTo: AddressValue[];
  sender: AddressValue[];
}

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

/** A copy in a buffer of its own, so an entry never holds on to a larger buffer (a whole database
 * reply) it was cut from. */
function own(stored: Stored): Buffer {
  const bytes = plainPart(stored);
  const copy = Buffer.allocUnsafeSlow(bytes.byteLength);
  copy.set(bytes);
  return copy;
}

/** Bytes counted for an entry: its buffers, the subject and addresses roughly, and ENTRY_OVERHEAD. */
function costOf(e: CachedContent): number {
  let n = e.content.byteLength + ENTRY_OVERHEAD;
  if (e.search) {
    const s = e.search;
    const addresses =
      s.from.length + s.to.length + s.cc.length + s.bcc.length + s.replyTo.length + s.sender.length;
    n += s.searchable.byteLength + 2 * s.subject.length + ADDRESS_COST * addresses;
  }
  return n;
}

/** Bytes counted per address of a cached message (two short strings and an object). */
const ADDRESS_COST = 120;

/** Entries above this size are not kept: one large tree would push out many small messages. */
const MAX_ENTRY_FRACTION = 16;

/** Bytes an entry is counted for besides its tree (map slot, object, references). */
const ENTRY_OVERHEAD = 200;

/** Least recently used entries go first once the bytes held pass `maxBytes`; 0 keeps nothing. */
export class ContentCache {
  private readonly entries = new Map<string, CachedContent>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(id: string): CachedContent | undefined {
    const e = this.entries.get(id);
    if (e) {
      this.entries.delete(id);
      this.entries.set(id, e);
    }
    return e;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  /** Keeps a message's content, as stored (a Binary) or as read (a Buffer), and its search parts
   * when given (added to an entry kept without them). */
  put(
    id: string,
    d: { content: Stored; size: number; attachmentRefs?: string[] | undefined },
    search?: SearchInput,
  ): void {
    const had = this.entries.get(id);
    if (had && (had.search || !search)) return;
    const e: CachedContent = had
      ? { ...had }
      : { content: own(d.content), size: d.size, attachmentRefs: [...(d.attachmentRefs ?? [])] };
    if (search) e.search = { ...search, searchable: own(search.searchable) };
    if (had) this.delete(id);
    const cost = costOf(e);
    if (cost * MAX_ENTRY_FRACTION > this.maxBytes) return;
    this.entries.set(id, e);
    this.bytes += cost;
    for (const [k, old] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= costOf(old);
    }
  }

  delete(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    this.entries.delete(id);
    this.bytes -= costOf(e);
  }

  /** Bytes held, as counted against the bound. */
  get held(): number {
    return this.bytes;
  }

  get size(): number {
    return this.entries.size;
  }
}
