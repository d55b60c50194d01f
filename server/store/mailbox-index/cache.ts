// One shared copy per process of each open mailbox's index, used by every session of the process
// and kept current from the journal (docs/ARCHITECTURE.md §4). Changes reach it three ways:
// - a writer of this process hands over the entries it just journaled (applyLocal);
// - beacons from any process carry their entries (onBeacon);
// - when neither brought a change it should have (a gap, a lost beacon, a MODSEQ it has not seen),
//   it reads the journal, and when the journal lacks entries a writer that died never wrote, it
//   rebuilds from the messages.
// A mailbox seen for the first time is loaded from its checkpoint (checkpoint.ts) plus the journal
// after it, or built from its messages when it has none yet (a data folder of an older version).
import type { ObjectId } from 'mongodb';
import type { Ctx } from '../context.ts';
import type { Beacon, NewJournalEntry } from '../../notify/index.ts';
import { lockName } from '../locks.ts';
import { oid } from '../ids.ts';
import { queuedIn, removalKey } from '../queued.ts';
import { FlagSets, type IndexEntry } from './entry.ts';
import { MailboxState, type ApplyResult } from './state.ts';
import { dropCheckpoint, loadCheckpoint, saveCheckpoint } from './checkpoint.ts';

/** A checkpoint is written once the journal holds this many changes after the last one. */
export const CHECKPOINT_EVERY = 500;
/** Entries kept in memory across all mailboxes (~150 bytes each); least recently used go first. */
const DEFAULT_MAX_ENTRIES = 1_000_000;
/** Progress is logged every this many messages while an index is built. */
const BUILD_LOG_EVERY = 10_000;
/** Rebuilds in a row before the last one is done holding the mailbox lock. */
const REBUILD_TRIES = 3;
/**
 * A mailbox's current MODSEQ is taken from its announced MODSEQ in Redis, but from the mailbox
 * document at least this often per mailbox: a change journaled and never announced (its writer
 * died in between, or Redis failed the announce) is seen within this long.
 */
export const INDEX_RECHECK_MS = 2000;

interface Slot {
  state: MailboxState | null;
  user: string;
  ready: Promise<MailboxState>;
  /** One catch-up at a time per mailbox; later callers wait for it. */
  catching: Promise<void> | null;
  /** MODSEQ of the last checkpoint this process knows of. */
  saved: number;
  /** When the mailbox document was last read for its MODSEQ (0: never). */
  checked: number;
  saving: boolean;
  used: number;
}

class MissingMailbox extends Error {}

export type IndexLog = (msg: string, fields: Record<string, unknown>) => void;

export class IndexCache {
  private readonly slots = new Map<string, Slot>();
  readonly flagSets = new FlagSets();
  private entriesHeld = 0;
  private listening: Promise<void> | null = null;
  private readonly saves = new Set<Promise<number>>();
  /** Per mailbox, this process's changes acknowledged before their journal entries were written. */
  private readonly unjournaled = new Map<string, Set<Promise<void>>>();

  constructor(
    private readonly ctx: Ctx,
    private readonly log: IndexLog = () => undefined,
    private readonly maxEntries = DEFAULT_MAX_ENTRIES,
    private readonly checkpointEvery = CHECKPOINT_EVERY,
    private readonly recheckMs = INDEX_RECHECK_MS,
  ) {}

  /**
   * The index of `mailbox` holding every change up to `atLeast`; without it, up to the mailbox's
   * current MODSEQ (its announced MODSEQ in Redis, or a read of the mailbox document: see
   * `latest`). Null when the mailbox does not exist.
   */
  async current(mailbox: ObjectId, atLeast?: number): Promise<MailboxState | null> {
    const hex = mailbox.toHexString();
    // what this process acknowledged is what it reads (a delivery answered at its commit point)
    const pending = this.unjournaled.get(hex);
    if (pending) await Promise.all(pending);
    let slot = this.slots.get(hex);
    if (!slot) {
      const s: Slot = {
        state: null,
        user: '',
        ready: null!,
        catching: null,
        saved: -1,
        checked: 0,
        used: Date.now(),
        saving: false,
      };
      s.ready = this.load(mailbox, s);
      this.slots.set(hex, s);
      slot = s;
      s.ready.catch(() => {
        if (this.slots.get(hex) === s) this.slots.delete(hex);
      });
    }
    slot.used = Date.now();
    try {
      await slot.ready;
    } catch (err) {
      if (err instanceof MissingMailbox) return null;
      throw err;
    }
    let target = atLeast;
    if (target === undefined) {
      const m = await this.latest(mailbox, slot);
      if (m === null) {
        this.forget(hex);
        return null;
      }
      target = m;
    }
    // the slot's state, not the one it was loaded with: a rebuild replaces it
    let state = slot.state!;
    if (state.modseq < target) {
      await this.catchUp(mailbox, slot, target);
      state = slot.state!;
    }
    this.maybeSave(mailbox, slot);
    return state;
  }

  /**
   * Loads the index of a mailbox this process writes to, in the background: a process that only
   * delivers (LMTP) then keeps it and its checkpoints current, so whoever opens the mailbox next
   * finds a recent checkpoint instead of rebuilding from the messages.
   */
  warm(mailbox: ObjectId): void {
    if (this.slots.has(mailbox.toHexString())) return;
    this.current(mailbox, 0).catch((err: unknown) =>
      this.log('mailbox index could not be loaded', { mailbox: mailbox.toHexString(), err: String(err) }),
    );
  }

  /**
   * A change of `mailbox` acknowledged before its journal entries are written (`ackOnCommit`):
   * until `done` settles, which it does once they are written and applied here or have failed,
   * `current` for the mailbox waits for it, so this process never answers from an index without
   * what it has acknowledged. `flush` waits for them too.
   */
  journaling(mailbox: string, done: Promise<void>): void {
    let pending = this.unjournaled.get(mailbox);
    if (!pending) this.unjournaled.set(mailbox, (pending = new Set()));
    const set = pending;
    set.add(done);
    void done.finally(() => {
      set.delete(done);
      if (set.size === 0 && this.unjournaled.get(mailbox) === set) this.unjournaled.delete(mailbox);
    });
  }

  /** The index of `mailbox` if this process has it loaded, as it is now (no read, no wait). */
  peek(mailbox: string): MailboxState | null {
    return this.slots.get(mailbox)?.state ?? null;
  }

  /** Entries a writer of this process has just journaled, in MODSEQ order per mailbox. */
  applyLocal(entries: readonly NewJournalEntry[]): void {
    /** Each touched slot, and the MODSEQ it must catch up to when an entry found it behind. */
    const touched = new Map<string, { slot: Slot; behind: number }>();
    for (const e of entries) {
      const slot = this.slots.get(e.mailbox);
      if (e.command === 'MAILBOX_DELETE') this.forget(e.mailbox);
      else if (slot?.state && e.modseq > 0) {
        const t = touched.get(e.mailbox) ?? { slot, behind: 0 };
        if (this.applyOne(slot, e) === 'gap') t.behind = e.modseq;
        touched.set(e.mailbox, t);
      }
    }
    // a process that only writes (LMTP) keeps the checkpoints current too, so whoever opens the
    // mailbox next reads a recent checkpoint instead of a long journal or every message; an index
    // that missed entries (loaded while they were written, say) reads them from the journal now,
    // as such a process never reads it to catch up otherwise
    for (const [hex, { slot, behind }] of touched) {
      const m = oid(hex);
      if (!m) continue;
      if (!behind) this.maybeSave(m, slot);
      else
        this.catchUp(m, slot, behind).then(
          () => this.maybeSave(m, slot),
          (err: unknown) => this.log('mailbox index could not catch up', { mailbox: hex, err: String(err) }),
        );
    }
  }

  /** A beacon from any process (this one's included). */
  onBeacon(b: Beacon): void {
    if (b.entries) this.applyLocal(b.entries);
    else if (b.command === 'MAILBOX_DELETE') this.forget(b.mailbox);
  }

  forget(mailbox: string): void {
    const slot = this.slots.get(mailbox);
    if (!slot) return;
    this.entriesHeld -= slot.state?.entries.length ?? 0;
    this.slots.delete(mailbox);
  }

  /**
   * Writes the empty checkpoint of a mailbox just created: at MODSEQ 0 nothing has changed in it,
   * so whoever opens it first reads that and the journal after it instead of listing the messages
   * to find none. A checkpoint already there is kept; a failure is logged, and a mailbox left
   * without one (a crash, a failure) is built from its messages as before.
   */
  async created(mailbox: ObjectId, user: ObjectId): Promise<void> {
    const empty = new MailboxState(mailbox.toHexString(), user.toHexString(), this.flagSets, {
      entries: [],
      modseq: 0,
    });
    try {
      await this.ctx.locks.with(lockName.mailboxIndex(mailbox), () =>
        saveCheckpoint(this.ctx, mailbox, empty),
      );
    } catch (err) {
      this.log('mailbox index checkpoint failed', { mailbox: mailbox.toHexString(), err: String(err) });
    }
  }

  /** Forgets and deletes the stored index (the mailbox is being deleted; its document is gone). */
  async drop(mailbox: ObjectId): Promise<void> {
    const hex = mailbox.toHexString();
    this.forget(hex);
    // the indexes of other processes stop taking the announced MODSEQ and find the document gone;
    // if this fails they do within INDEX_RECHECK_MS
    await this.ctx.notify
      .announceGone(hex)
      .catch((err: unknown) =>
        this.log('deleted mailbox could not be marked in Redis', { mailbox: hex, err: String(err) }),
      );
    await dropCheckpoint(this.ctx, mailbox);
  }

  private applyOne(slot: Slot, e: NewJournalEntry): ApplyResult {
    const state = slot.state!;
    const before = state.entries.length;
    const r = state.apply(e); // 'gap' and 'unusable' leave it behind until a catch-up
    this.entriesHeld += state.entries.length - before;
    return r;
  }

  /**
   * The mailbox's MODSEQ for a reader that wants every change committed before it asked
   * (docs/ARCHITECTURE.md §3). Writers raise the announced MODSEQ in Redis before a change is
   * acknowledged, so it serves; the mailbox document is read instead when Redis has none or fails,
   * and at least every `recheckMs` (INDEX_RECHECK_MS). Null when the mailbox is gone.
   */
  private async latest(mailbox: ObjectId, slot: Slot): Promise<number | null> {
    const now = Date.now();
    if (now - slot.checked < this.recheckMs) {
      const announced = await this.ctx.notify.announced(mailbox.toHexString()).catch(() => null);
      if (announced !== null) return announced;
    }
    const at = await this.position(mailbox);
    slot.checked = now;
    return at?.modseq ?? null;
  }

  /** The mailbox's MODSEQ and next UID from its document; null when it is gone. */
  private async position(mailbox: ObjectId): Promise<{ modseq: number; uidNext: number } | null> {
    const d = await this.ctx.mailboxes.findOne(
      { _id: mailbox },
      { projection: { modifyIndex: 1, uidNext: 1 } },
    );
    return d ? { modseq: d.modifyIndex, uidNext: d.uidNext } : null;
  }

  /** Beacons of every user, once per process: they carry the changes other processes make. */
  private listen(): Promise<void> {
    this.listening ??= this.ctx.notify
      .subscribeAll((b) => this.onBeacon(b))
      .then(
        () => undefined,
        (err: unknown) => {
          this.listening = null;
          this.log('mailbox index cannot hear beacons; it reads the journal instead', { err: String(err) });
        },
      );
    return this.listening;
  }

  private async load(mailbox: ObjectId, slot: Slot): Promise<MailboxState> {
    await this.listen();
    const box = await this.ctx.mailboxes.findOne({ _id: mailbox }, { projection: { user: 1 } });
    if (!box) throw new MissingMailbox();
    slot.user = box.user.toHexString();
    const loaded = await loadCheckpoint(this.ctx, mailbox, slot.user, this.flagSets);
    if (loaded) {
      slot.state = loaded;
      slot.saved = loaded.modseq;
      this.entriesHeld += loaded.entries.length;
      await this.readJournal(slot);
    } else {
      await this.rebuild(mailbox, slot, false);
    }
    this.evict();
    return slot.state!;
  }

  /** Applies journal entries after the state's MODSEQ until a gap; returns false on a gap. */
  private async readJournal(slot: Slot): Promise<boolean> {
    const state = slot.state!;
    for await (const e of this.ctx.notify.journalSince(state.mailbox, state.modseq)) {
      if (e.modseq <= state.modseq) continue;
      const before = state.entries.length;
      const r = state.apply(e);
      this.entriesHeld += state.entries.length - before;
      if (r === 'gap' || r === 'unusable') return false;
    }
    return true;
  }

  private catchUp(mailbox: ObjectId, slot: Slot, target: number): Promise<void> {
    const run = async () => {
      if (slot.state!.modseq >= target) return;
      if ((await this.readJournal(slot)) && slot.state!.modseq >= target) return;
      // Behind the mailbox: a writer is between its commit and its journal entry, or died there.
      // Under the mailbox lock no writer is in between (they hold it from UID to journal).
      const settled = await this.ctx.locks.with(lockName.mailbox(mailbox), async () => {
        const ok = await this.readJournal(slot);
        const at = await this.position(mailbox);
        return ok && (at === null || slot.state!.modseq >= at.modseq);
      });
      if (!settled) await this.rebuild(mailbox, slot, true);
    };
    const p = (slot.catching ?? Promise.resolve()).then(run, run);
    const tail = p.finally(() => {
      if (slot.catching === tail) slot.catching = null;
    });
    slot.catching = tail;
    return p;
  }

  /**
   * Builds the index from the messages: the MODSEQ is read under the mailbox lock (every change
   * up to it is then committed and journaled), the messages are listed without it, and the journal
   * after that MODSEQ is applied on top, which also corrects what changed during the listing.
   */
  private async rebuild(mailbox: ObjectId, slot: Slot, repair: boolean): Promise<void> {
    const hex = mailbox.toHexString();
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= REBUILD_TRIES;
      // where the build starts, read under the mailbox lock; a gone mailbox lists nothing
      const start = async () => (await this.position(mailbox)) ?? { modseq: 0, uidNext: 0 };
      const list = async (at: { modseq: number; uidNext: number }) => ({
        base: at.modseq,
        entries: await this.listMessages(mailbox, hex, at.uidNext),
      });
      const { base, entries } = last
        ? await this.ctx.locks.with(lockName.mailbox(mailbox), async () => list(await start()))
        : await list(await this.ctx.locks.with(lockName.mailbox(mailbox), start));
      const prev = slot.state;
      await this.carryFlags(hex, entries, prev, base);
      this.entriesHeld -= slot.state?.entries.length ?? 0;
      // the expunge history survives a rebuild where there is one; it only grows
      // what was expunged while entries were lost is not known: QRESYNC from before is answered in full
      slot.state = new MailboxState(hex, slot.user, this.flagSets, {
        entries,
        modseq: base,
        vanished: prev?.vanished ?? [],
        vanishedFloor: base,
      });
      this.entriesHeld += entries.length;
      slot.saved = -1;
      if (last || (await this.readJournal(slot))) break;
    }
    this.log(repair ? 'mailbox index repaired from its messages' : 'mailbox index built from its messages', {
      mailbox: hex,
      messages: slot.state!.entries.length,
      ms: Date.now() - started,
    });
  }

  /**
   * Flags live in the index, not in the messages (docs/ARCHITECTURE.md §3, "Flags live in the
   * mailbox index"): a document keeps those it came with. Entries listed from the documents take
   * the flags and MODSEQ of what this process knew (`known`, for the same message at the same
   * UID), then every flag change the journal holds after that, up to `base`. The journal after a
   * checkpoint is never pruned, so it holds every change since what `known` came from, or since
   * the start for a mailbox that never had one.
   */
  private async carryFlags(
    hex: string,
    entries: IndexEntry[],
    known: MailboxState | null | undefined,
    base: number,
  ): Promise<void> {
    if (known)
      for (const e of entries) {
        const k = known.get(e.uid);
        if (k && k.id === e.id) {
          e.flags = k.flags;
          e.modseq = k.modseq;
        }
      }
    const from = known?.modseq ?? 0;
    if (from >= base || entries.length === 0) return;
    const at = new Map(entries.map((e) => [e.uid, e]));
    for (const j of await this.ctx.notify.journalBetween(hex, from, base)) {
      if (j.command !== 'FETCH' || !j.flags) continue;
      const e = at.get(j.uid);
      if (!e || e.modseq >= j.modseq) continue;
      e.flags = this.flagSets.intern(j.flags);
      e.modseq = j.modseq;
    }
  }

  /** The index entries of the messages below `uidNext`: one at or past it was given no UID yet
   * (written ahead of an allocation that never came, see store/leftovers.ts), or came after the
   * build's MODSEQ and is in the journal after it. Expunged messages whose documents are still to
   * be deleted are left out (store/reaper.ts); their removals are read first, so one deleted
   * meanwhile has taken its documents with it. */
  private async listMessages(mailbox: ObjectId, hex: string, uidNext: number): Promise<IndexEntry[]> {
    const queued = await queuedIn(this.ctx, { mailbox });
    const out: IndexEntry[] = [];
    const cursor = this.ctx.messages
      .find({ mailbox }, { projection: { _id: 1, uid: 1, modseq: 1, flags: 1, size: 1, idate: 1, hdate: 1 } })
      .sort({ uid: 1 })
      .batchSize(1000);
    for await (const d of cursor) {
      if (d.uid >= uidNext || queued.has(removalKey(mailbox, d.uid))) continue;
      out.push({
        uid: d.uid,
        modseq: d.modseq,
        flags: this.flagSets.intern(d.flags ?? []),
        size: d.size,
        idate: d.idate.getTime(),
        hdate: (d.hdate ?? d.idate).getTime(),
        id: d._id.toHexString(),
      });
      if (out.length % BUILD_LOG_EVERY === 0)
        this.log('building mailbox index', { mailbox: hex, messages: out.length });
    }
    // the sort is the database's; keep the invariant whatever it did
    for (let i = 1; i < out.length; i++) {
      if (out[i]!.uid <= out[i - 1]!.uid) {
        out.sort((a, b) => a.uid - b.uid);
        break;
      }
    }
    return out;
  }

  /** Writes a checkpoint in the background once enough changed since the last one. */
  private maybeSave(mailbox: ObjectId, slot: Slot): void {
    const state = slot.state;
    if (!state || slot.saving) return;
    if (slot.saved >= 0 && state.modseq - slot.saved < this.checkpointEvery) return;
    if (slot.saved === state.modseq) return;
    slot.saving = true;
    const before = slot.saved;
    const saving = this.checkpoint(mailbox, slot).finally(() => {
      slot.saving = false;
      this.saves.delete(saving);
      // changes that came while it was written may already call for the next one (not after a
      // failure: the next change or read tries again)
      if (slot.saved > before && this.slots.get(mailbox.toHexString()) === slot)
        this.maybeSave(mailbox, slot);
    });
    this.saves.add(saving);
  }

  /**
   * Waits for the checkpoints being written, then writes one for every mailbox whose index moved
   * since its last (a clean shutdown leaves the next process no journal to replay).
   */
  async flush(): Promise<void> {
    for (const pending of [...this.unjournaled.values()]) await Promise.all(pending);
    await Promise.all([...this.saves]);
    for (const [hex, slot] of this.slots) {
      const m = oid(hex);
      if (m && slot.state && slot.state.modseq > slot.saved) await this.checkpoint(m, slot);
    }
  }

  /** Writes the current state as the checkpoint now (also before the journal is pruned). */
  async checkpoint(mailbox: ObjectId, slot = this.slots.get(mailbox.toHexString())): Promise<number> {
    const state = slot?.state;
    if (!slot || !state) return -1;
    const at = state.modseq;
    try {
      await this.ctx.locks.with(lockName.mailboxIndex(mailbox), () =>
        saveCheckpoint(this.ctx, mailbox, state),
      );
      slot.saved = Math.max(slot.saved, at);
    } catch (err) {
      this.log('mailbox index checkpoint failed', { mailbox: mailbox.toHexString(), err: String(err) });
    }
    return slot.saved;
  }

  /** Saved checkpoint MODSEQ of a mailbox after making sure one covers `modseq` (journal prune). */
  async ensureCheckpoint(mailbox: string, modseq: number): Promise<number> {
    const m = oid(mailbox);
    if (!m) return -1;
    const state = await this.current(m);
    const slot = this.slots.get(mailbox);
    if (!state || !slot) return -1;
    if (slot.saved >= modseq) return slot.saved;
    return this.checkpoint(m, slot);
  }

  private evict(): void {
    if (this.entriesHeld <= this.maxEntries) return;
    const byAge = [...this.slots].filter(([, s]) => s.state).sort((a, b) => a[1].used - b[1].used);
    for (const [hex] of byAge) {
      if (this.entriesHeld <= this.maxEntries) break;
      this.forget(hex);
    }
  }
}
