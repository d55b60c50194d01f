// Collects the message documents a long read has in hand anyway (a FETCH of bodies over a range,
// a POP3 download) and writes page packs of them in the background (packs.ts): the first long
// read of a mailbox pays for its packs with a few writes, later ones read 32 messages per
// document. Bounded: at most COLLECT_BYTES are held; writing failures are logged, never thrown
// at the reader (a pack is only a faster copy).
import type { ObjectId } from 'mongodb';
import type { Ctx } from './context.ts';
import {
  PAGE_SHIFT,
  packItemOf,
  pageOf,
  pageUids,
  writePacks,
  type PackItem,
  type PackSource,
} from './packs.ts';

/** Bytes of packed parts held before they are written. */
const COLLECT_BYTES = 2 * 1024 * 1024;
/** Quiet time after the last collected document before what is held is written. */
const SETTLE_MS = 50;

export class PackCollector {
  private pages = new Map<number, Map<number, PackItem | null>>();
  private bytes = 0;
  /** Pages handed to writePacks already (a later pass over the mailbox meets them again). */
  private readonly sent = new Set<number>();
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ctx: Ctx,
    private readonly mailbox: ObjectId,
    /** Pages already packed (skipped). */
    private readonly packed: (page: number) => boolean,
  ) {}

  add(d: PackSource): void {
    const page = pageOf(d.uid);
    if (this.packed(page) || this.sent.has(page)) return;
    const item = packItemOf(d);
    let held = this.pages.get(page);
    if (!held) this.pages.set(page, (held = new Map()));
    if (held.has(d.uid)) return;
    held.set(d.uid, item);
    this.bytes += item ? itemBytes(item) : 0;
    if (this.bytes >= COLLECT_BYTES) this.flush();
    else this.settle();
  }

  private settle(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), SETTLE_MS);
    this.timer.unref();
  }

  /** Writes the pages held whole (by this process's mailbox index); a page still missing some of
   * its messages stays held for the next flush while there is room (writePacks checks again). */
  flush(): Promise<unknown> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const index = this.ctx.index.peek(this.mailbox.toHexString());
    const pages = new Map<number, Map<number, PackItem | null>>();
    let waiting = 0;
    for (const [page, held] of this.pages) {
      const listed = index ? pageUids(index, page).length : held.size;
      if (held.size >= listed) {
        pages.set(page, held);
        this.pages.delete(page);
        this.sent.add(page);
      } else waiting += bytesHeld(held);
    }
    if (waiting > COLLECT_BYTES) this.pages.clear();
    this.bytes = this.pages.size ? waiting : 0;
    if (pages.size === 0) return this.writing;
    this.writing = this.writing
      .then(() => writePacks(this.ctx, this.mailbox, pages))
      .catch((err: unknown) =>
        this.ctx.opts.log('page packs could not be written', {
          mailbox: this.mailbox.toHexString(),
          err: String(err),
        }),
      );
    return this.writing;
  }
}

function itemBytes(item: PackItem): number {
  return item.content.length + item.searchable.length;
}

function bytesHeld(held: ReadonlyMap<number, PackItem | null>): number {
  let n = 0;
  for (const item of held.values()) if (item) n += itemBytes(item);
  return n;
}

/** Pages being packed after the write that closed them, in this process; a page closed while this
 * many are under way is left for a long read to pack. */
const MAX_CLOSING_PAGES = 8;
let closing = 0;

/**
 * Packs, in the background, the pages whose last UID a write has just taken (UIDs `first` to
 * `last`), from what this process's content cache holds of their messages (content-cache.ts: the
 * writer put them there), with no read of the messages: on FerretDB a page query is a pass over the
 * whole collection. A page the cache does not hold whole (messages stored by another process, or
 * dropped from the cache) is left for a long read or a SEARCH to pack; `writePacks` packs a page
 * only if the mailbox index lists exactly the messages given. So a mailbox filled by delivery is
 * packed as it fills and its first long read or SEARCH after a restart already finds packs
 * (docs/ARCHITECTURE.md §3). Failures are logged, never thrown at the writer.
 */
export function packClosedPages(
  ctx: Ctx,
  mailbox: ObjectId,
  first: number,
  last: number,
  modseq: number,
): void {
  for (let p = pageOf(first); ((p + 1) << PAGE_SHIFT) - 1 <= last; p++) {
    if (closing >= MAX_CLOSING_PAGES) return;
    closing++;
    void packHeldPage(ctx, mailbox, p, modseq)
      .catch((err: unknown) =>
        ctx.opts.log('page packs could not be written', { mailbox: mailbox.toHexString(), err: String(err) }),
      )
      .finally(() => closing--);
  }
}

/** Packs a page from the content cache, its messages listed by this process's mailbox index
 * brought up to `modseq` (the write's: from the journal, never the messages); nothing when the
 * cache lacks any of them. */
async function packHeldPage(ctx: Ctx, mailbox: ObjectId, page: number, modseq: number): Promise<void> {
  const index = await ctx.index.current(mailbox, modseq);
  if (!index) return;
  const uids = pageUids(index, page);
  if (uids.length === 0) return;
  const items = new Map<number, PackItem | null>();
  for (const uid of uids) {
    const held = ctx.contents.get(index.get(uid)!.id);
    if (!held?.search) return;
    items.set(uid, packItemOf({ uid, ...held, ...held.search }));
  }
  await writePacks(ctx, mailbox, new Map([[page, items]]));
}
