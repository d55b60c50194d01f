// One message opened for reading its bytes: the document is read once, and every section a FETCH
// asks for is cut from that one read. Reading it again per section raced with EXPUNGE: a message
// listed by the FETCH could be gone by the time its second section was read.
import type { ByteRange, ContentStream, Id, MessagePager, UidSet } from './index.ts';
import type { ObjectId } from 'mongodb';
import type { Ctx } from './context.ts';
import type { MessageDoc } from './docs.ts';
import { bodyOpener } from './attachments.ts';
import { readByUid } from './by-id.ts';
import { unpack, type Content } from './content.ts';
import { oid } from './ids.ts';
import { listedIn } from './flags.ts';
import { uidMatcher } from './uidset.ts';
import { PackCollector } from './pack-collector.ts';
import { PAGE_SHIFT, PACK_SOURCE_PROJECTION, itemsOf, packCursor, pageOf, type PackItem } from './packs.ts';
import { searchPartsOf, type SearchSource } from './content-cache.ts';
import { htmlBodies, partDecoder, rebuild, rebuildPieces, section } from './mime.ts';

export interface OpenedMessage {
  size: number;
  /** The exact original bytes, or a range of them. */
  raw(range?: ByteRange): ContentStream;
  /** A section as `openSection` names it ('', 'HEADER', '1.2', '2.TEXT'…); null if absent. */
  section(name: string, range?: ByteRange): ContentStream | null;
  /** RFC 3516 BINARY[part]: the part's body with its content-transfer-encoding removed (`[]`: the
   * whole message as it is); null when there is no such part, 'unknown-cte' when its encoding is
   * not one we can undo. Read whole, as its decoded size must be known before it is sent. */
  binary(part: readonly number[]): Promise<Buffer | 'unknown-cte' | null>;
  /** Its HTML body parts, decoded (attached HTML files are not among them). */
  html(): Promise<string[]>;
}

/** Null when the mailbox holds no message with this UID (any more). */
export async function openMessage(ctx: Ctx, mailbox: Id, uid: number): Promise<OpenedMessage | null> {
  const m = oid(mailbox);
  if (!m) return null;
  const hit = cachedContent(ctx, mailbox, uid);
  if (hit) return opened(ctx, hit);
  const d = await readByUid<MessageDoc>(
    ctx,
    m,
    uid,
    { content: 1, size: 1, attachmentRefs: 1 },
    { promoteBuffers: true },
  );
  return d ? opened(ctx, d) : null;
}

type Readable = Pick<MessageDoc, 'content' | 'size' | 'attachmentRefs'>;

/** The content of the message the mailbox index lists at `uid`, when this process holds it
 * (content-cache.ts): the index names the message, so an expunged one is never served. */
function cachedContent(ctx: Ctx, mailbox: Id, uid: number): Readable | undefined {
  const e = ctx.index.peek(mailbox)?.get(uid);
  return e && (ctx.contents.get(e.id) as Readable | undefined);
}

async function opened(ctx: Ctx, d: Readable): Promise<OpenedMessage> {
  const tree = unpack<Content>(d.content).tree;
  const open = await bodyOpener(ctx, d.attachmentRefs ?? []);
  return {
    size: d.size,
    raw: (range) => ({
      size: d.size,
      pieces: rebuildPieces(tree, range, open.held),
      get stream() {
        return rebuild(tree, open, range);
      },
    }),
    section(name, range) {
      const s = section(tree, name);
      return s ? { size: s.size, stream: s.stream(open, range) } : null;
    },
    async binary(part) {
      if (part.length === 0) return readAll(rebuild(tree, open));
      const decode = partDecoder(tree, part);
      const body = section(tree, part.join('.'));
      if (decode === undefined || !body) return null;
      if (decode === 'unknown') return 'unknown-cte';
      return decode(await readAll(body.stream(open)));
    },
    html: () => htmlBodies(tree, open),
  };
}

async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks);
}

/** Pages are 2^5 messages (packs.ts). A page is one query; its messages' trees are held while it
 * is sent (attachment bodies stay in GridFS until written). */
export { PAGE_SHIFT, pageOf };

type PageDoc = Readable & Pick<MessageDoc, 'uid'> & { _id?: ObjectId };

const PROJECTION = { uid: 1, content: 1, size: 1, attachmentRefs: 1 } as const;

/** A reader told of at least this many wanted messages reads page packs and writes them. */
const PACK_MIN_WANTED = 2 << PAGE_SHIFT;

/** A packed message in the shape of a page read's document. */
function pageDocOf(item: PackItem): PageDoc {
  return {
    uid: item.uid,
    size: item.size,
    content: item.content as unknown as MessageDoc['content'],
    attachmentRefs: item.attachmentRefs,
  };
}

/** Bytes of wanted messages one pass over a mailbox may hold for later reads. */
export const SCAN_BUFFER_BYTES = 8 * 1024 * 1024;
/** A reader that still expects at least this many pages' worth of messages, and at least a quarter
 * of the mailbox, reads by passes over the mailbox instead of by pages. */
const SCAN_MIN_PAGES = 2;

/**
 * Reads a mailbox's messages a page at a time: one query on (mailbox, page), two equalities that
 * FerretDB hands to its back end and MongoDB answers from the (mailbox, page) index, where a read
 * by _id per message scans the collection once each on FerretDB (docs/ARCHITECTURE.md §3). The
 * next page that the mailbox index lists is read while this one is used; pages behind are dropped.
 * A message stored before pages existed, or one the page did not hold, is read on its own.
 *
 * Told which UIDs will be asked for (`wanted`), a reader that has needed a second page and still
 * expects many messages switches to passes: one query on the mailbox alone, whose documents come
 * in the database's order, keeping the wanted ones (up to SCAN_BUFFER_BYTES) until they are asked
 * for. On FerretDB every query costs a pass over the collection, so a FETCH of a whole mailbox or
 * a POP3 client downloading its maildrop pays one pass per 8 MiB instead of one per 32 messages;
 * on MongoDB the pass is a walk of the (mailbox, uid) index.
 *
 * A reader told of many wanted messages first passes over the mailbox's page packs (packs.ts), 32
 * small messages per document, and packs the closed pages it then reads from message documents,
 * so the next long read of the mailbox finds them packed.
 */
export class PagedReader implements MessagePager {
  private readonly pages = new Map<number, Promise<Map<number, PageDoc>>>();
  private readonly box: ObjectId | null;
  private readonly wants: ((uid: number) => boolean) | null;
  private pagesRead = 0;
  /** Wanted messages a pass kept, by UID, and their bytes. */
  private readonly kept = new Map<number, PageDoc>();
  private keptBytes = 0;
  /** UIDs already handed out (a pass skips them). */
  private readonly given = new Set<number>();
  private planned = 0;
  /** One pass at a time; reads that arrive meanwhile wait for it, then look at what it kept. */
  private passing: Promise<unknown> = Promise.resolve();
  private owned: Promise<unknown> | undefined;
  /** Set for a reader that expects many messages: it reads the mailbox's page packs first. */
  private readonly usePacks: boolean;
  /** Set when it also packs the pages it reads from message documents (packs.ts). */
  private readonly collector: PackCollector | null = null;
  /** Pages a pass over the packs found packed; a UID of such a page that its pack lacks is read
   * from its message document. */
  private readonly packedPages = new Set<number>();
  /** A pass over the packs went to the end: every packed page is known. */
  private packsKnown = false;

  /** `own` refuses a mailbox the reader's user does not own and finds null for a missing one;
   * it runs once, before the first read. */
  constructor(
    private readonly ctx: Ctx,
    private readonly mailbox: Id,
    private readonly own: () => Promise<unknown>,
    wanted?: UidSet,
    writePacks = true,
    private readonly passBytes = SCAN_BUFFER_BYTES,
  ) {
    this.box = oid(mailbox);
    this.wants = wanted ? uidMatcher(wanted) : null;
    if (this.wants) {
      const index = ctx.index.peek(mailbox);
      if (index) for (const e of index.entries) if (this.wants(e.uid)) this.planned++;
    }
    this.usePacks = !!this.box && this.planned >= PACK_MIN_WANTED;
    if (this.usePacks && writePacks)
      this.collector = new PackCollector(ctx, this.box!, (p) => this.packedPages.has(p));
  }

  async open(uid: number): Promise<OpenedMessage | null> {
    if (!this.box || !(await (this.owned ??= this.own()))) return null;
    const hit = this.kept.has(uid) ? undefined : cachedContent(this.ctx, this.mailbox, uid);
    if (hit) {
      this.given.add(uid);
      return opened(this.ctx, hit);
    }
    if (this.usePacks && !this.kept.has(uid)) {
      const d = await this.fromPacks(uid);
      if (d) return opened(this.ctx, d);
      // a packed page without it: too large to pack, or gone; its own document says which
      if (this.packedPages.has(pageOf(uid))) {
        this.given.add(uid);
        return openMessage(this.ctx, this.mailbox, uid);
      }
    }
    if (this.kept.has(uid) || this.passes()) {
      const d = await this.fromPass(uid);
      if (d) return opened(this.ctx, d);
      // not in a whole pass: gone, or stored meanwhile; the page read below says which
    }
    const p = pageOf(uid);
    for (const k of this.pages.keys()) if (k < p) this.pages.delete(k);
    const page = this.read(p);
    const next = this.nextListed(p);
    if (next !== null) this.read(next);
    const d = (await page).get(uid);
    this.given.add(uid);
    return d ? opened(this.ctx, d) : openMessage(this.ctx, this.mailbox, uid);
  }

  /** Whether reading by passes is worth it now (see the class comment). */
  private passes(): boolean {
    if (!this.wants || this.pagesRead < 2) return false;
    const index = this.ctx.index.peek(this.mailbox);
    const left = this.planned - this.given.size;
    return left >= SCAN_MIN_PAGES << PAGE_SHIFT && left * 4 >= (index?.exists ?? Infinity);
  }

  /** The message from what a pass kept, or from a new pass; null when a whole pass did not find it. */
  private fromPass(uid: number): Promise<PageDoc | null> {
    return this.serially(uid, () => this.pass(uid));
  }

  /** The message from what a pass kept, or from a pass over the packs when its page may be packed;
   * null when it is not in a pack. */
  private fromPacks(uid: number): Promise<PageDoc | null> {
    return this.serially(uid, async () => {
      if (this.packsKnown || this.packedPages.has(pageOf(uid))) return null;
      return this.packPass(uid);
    });
  }

  /** Runs `pass` after the passes before it, unless what they kept already holds `uid`. */
  private async serially(uid: number, pass: () => Promise<PageDoc | null>): Promise<PageDoc | null> {
    const run = this.passing.then(async () => {
      const k = this.kept.get(uid);
      if (!k) return pass();
      this.kept.delete(uid);
      this.keptBytes -= k.size;
      return k;
    });
    this.passing = run.catch(() => undefined);
    const d = await run;
    if (d) this.given.add(d.uid);
    return d;
  }

  /** Keeps a wanted message a pass came across for a later read; false when the buffer is full. */
  private keep(d: PageDoc): boolean {
    if (!this.wants!(d.uid) || this.given.has(d.uid) || this.kept.has(d.uid)) return true;
    if (cachedContent(this.ctx, this.mailbox, d.uid)) return true;
    if (this.keptBytes + d.size > this.passBytes) return false;
    this.kept.set(d.uid, d);
    this.keptBytes += d.size;
    return true;
  }

  /** One pass over the mailbox's packs for `uid`, keeping other wanted messages on the way and
   * noting which pages are packed. A pack none of whose messages is wanted is not decoded. */
  private async packPass(uid: number): Promise<PageDoc | null> {
    // a pack may still hold an expunged message until the reaper drops it (reaper.ts)
    const v = await this.ctx.index.current(this.box!);
    const cursor = packCursor(this.ctx, this.box!);
    let found: PageDoc | null = null;
    let full = false;
    let ended = true;
    try {
      for await (const pack of cursor) {
        this.packedPages.add(pack.page);
        if (full && found) {
          ended = false;
          break;
        }
        const useful = pack.uids.some(
          (u) => u === uid || (this.wants!(u) && !this.given.has(u) && !this.kept.has(u)),
        );
        if (!useful) continue;
        for (const item of itemsOf(pack)) {
          if (!v?.get(item.uid)) continue;
          const d = pageDocOf(item);
          if (d.uid === uid) found = d;
          else if (!this.keep(d)) full = true;
          this.remember(d, item);
        }
      }
    } finally {
      await cursor.close();
    }
    if (ended) this.packsKnown = true;
    return found;
  }

  /** One pass over the mailbox for `uid`, keeping other wanted messages on the way. */
  private async pass(uid: number): Promise<PageDoc | null> {
    const listed = await this.listing();
    const cursor = this.ctx.messages
      .find({ mailbox: this.box! }, { projection: this.projection(), promoteBuffers: true })
      .batchSize(128);
    let found: PageDoc | null = null;
    let full = false;
    try {
      for await (const raw of cursor) {
        const d = raw as PageDoc;
        if (!listed(d)) continue;
        this.collector?.add(raw);
        if (d.uid === uid) {
          found = d;
          this.remember(d);
          if (full) break;
          continue;
        }
        const room = this.keep(d);
        this.remember(d);
        if (!room) {
          full = true;
          if (found) break;
        }
      }
    } finally {
      await cursor.close();
    }
    return found;
  }

  private read(p: number): Promise<Map<number, PageDoc>> {
    let page = this.pages.get(p);
    if (!page) {
      this.pagesRead++;
      page = (async () => {
        const listed = await this.listing();
        const docs = (
          await this.ctx.messages
            .find({ mailbox: this.box!, page: p }, { projection: this.projection(), promoteBuffers: true })
            .toArray()
        ).filter((d) => listed(d as PageDoc));
        for (const d of docs) {
          this.collector?.add(d);
          this.remember(d as PageDoc);
        }
        return new Map(docs.map((d) => [d.uid, d as PageDoc]));
      })();
      page.catch(() => this.pages.delete(p));
      this.pages.set(p, page);
    }
    return page;
  }

  /** Hands a message read from the database to the process's content cache, under the _id its
   * document or (for a packed message) the mailbox index gives. */
  private remember(d: PageDoc, search: SearchSource = d as SearchSource): void {
    const id = d._id?.toHexString() ?? this.ctx.index.peek(this.mailbox)?.get(d.uid)?.id;
    if (id) this.ctx.contents.put(id, d, searchPartsOf(search));
  }

  /** Which documents a read of them keeps: those the mailbox index, brought up to the mailbox,
   * lists (an expunged message's document waits for the reaper, reaper.ts). */
  private async listing(): Promise<(d: PageDoc) => boolean> {
    const v = await this.ctx.index.current(this.box!);
    return (d) => !!d._id && listedIn({ _id: d._id, uid: d.uid }, v);
  }

  /** What a read of message documents takes: with the parts a pack is made of when it packs. */
  private projection(): Record<string, 1> {
    return this.collector ? PACK_SOURCE_PROJECTION : PROJECTION;
  }

  /** The next page after `p` holding a message, by this process's mailbox index. */
  private nextListed(p: number): number | null {
    const index = this.ctx.index.peek(this.mailbox);
    if (!index) return null;
    const e = index.entries[index.lowerBound((p + 1) << PAGE_SHIFT)];
    return e ? pageOf(e.uid) : null;
  }
}
