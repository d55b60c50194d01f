// Wires the store's parts together on an injected database and Redis.
import { setTimeout as sleep } from 'node:timers/promises';
import { Notifier } from '../notify/index.ts';
import { Journal } from './journal.ts';
import type { CreateStoreParams, Store, SweepOptions, SweepReport } from './index.ts';
import { makeCtx, resolveOptions } from './context.ts';
import { Users } from './users.ts';
import { Addresses } from './addresses.ts';
import { Mailboxes } from './mailboxes.ts';
import { Messages } from './messages.ts';
import { Attachments } from './attachments.ts';
import { ImportMarks } from './import-marks.ts';
import { DeliveryStatsImpl } from './delivery-stats.ts';
import { ensureIndexesImpl } from './indexes.ts';
import { Filters } from './filters.ts';
import { Recipients } from './recipients.ts';
import { directoryChanged } from './directory.ts';
import { dbOf } from './connect.ts';
import { Autoreplies } from './autoreply.ts';
import { AuthLog } from './authlog.ts';
import {
  SweepSliceError,
  lastSweepEnd,
  sweepInProgress,
  sweepRest,
  sweepSlice,
  sweepStore,
} from './sweep.ts';

/** How long close() waits for the last mailbox index checkpoints. */
const FLUSH_LIMIT_MS = 5_000;

export function createStoreImpl(params: CreateStoreParams): Store {
  const db = 'database' in params ? dbOf(params.database) : params.db;
  const opts = resolveOptions(params.options);
  const notify = new Notifier({
    journal: new Journal(db),
    redis: params.redis,
    keys: opts.keys,
    log: opts.log,
    ...(opts.journalRetryMs !== undefined ? { journalRetryMs: opts.journalRetryMs } : {}),
    ...(opts.onJournalWrite ? { onJournalWrite: opts.onJournalWrite } : {}),
  });
  const ctx = makeCtx(db, params.redis, notify, opts);
  const messages = new Messages(ctx);
  const rules = { relayConfigured: opts.relayConfigured };
  const authlog = new AuthLog(db);
  const stops = new Set<() => void>();

  // a sweep counts what is stored: expunged messages waiting for the reaper go first
  const sweep = async (o: SweepOptions = {}): Promise<SweepReport> => {
    await ctx.reaper.now();
    return sweepStore(ctx, o.graceMs ?? opts.sweepGraceMs, o.slice);
  };
  const slice = (o: SweepOptions = {}) => sweepSlice(ctx, o.graceMs ?? opts.sweepGraceMs, o.slice);

  const users = new Users(ctx);
  const addresses = new Addresses(ctx);
  const filters = new Filters(db, ctx.locks, rules, () => directoryChanged(ctx));

  return {
    users,
    addresses,
    recipients: new Recipients(ctx, addresses, users, filters),
    mailboxes: new Mailboxes(ctx, (user, from, to) => messages.moveAll(user, from, to)),
    messages,
    attachments: new Attachments(ctx),
    importMarks: new ImportMarks(ctx),
    deliveries: new DeliveryStatsImpl(ctx),
    filters,
    autoreplies: new Autoreplies(db, rules),
    authlog,
    notify,
    keys: opts.keys,
    locks: ctx.locks,
    ensureIndexes: () => ensureIndexesImpl(db),
    sweep,
    reap: () => ctx.reaper.now(),
    sweepSlice: slice,
    startMaintenance(o = {}) {
      // one slice per tick, so a large store never keeps the process busy for long
      const passEvery = o.sweepEveryMs ?? 15 * 60 * 1000;
      let busy = false;
      // a slice failing at the same place tick after tick is logged once, until one succeeds again
      let failing: string | null = null;
      let restUntil = 0;
      const tick = async () => {
        // removals a process that died left (this process reaps its own a moment after each expunge)
        void ctx.reaper.stale();
        if (busy || Date.now() < restUntil) return;
        busy = true;
        const started = Date.now();
        try {
          if (!(await sweepInProgress(ctx)) && Date.now() - (await lastSweepEnd(ctx)) < passEvery) return;
          await slice();
          if (failing !== null) opts.log('sweep slices succeed again', {});
          failing = null;
        } catch (err) {
          const where =
            err instanceof SweepSliceError ? { phase: err.phase, after: err.after, ...err.about } : {};
          const same = JSON.stringify(where);
          // the slice's cursor is only moved on success: the next tick does it again
          if (same !== failing)
            opts.log('sweep slice failed; it runs again at the next tick', {
              ...where,
              err: String(err instanceof SweepSliceError ? err.cause : err),
            });
          failing = same;
        } finally {
          busy = false;
          restUntil = Date.now() + sweepRest(Date.now() - started);
        }
      };
      const sweepTimer = setInterval(() => void tick(), Math.min(passEvery, o.sweepSliceEveryMs ?? 5000));
      sweepTimer.unref();
      const stopPrune = notify.startPruning({
        everyMs: o.pruneEveryMs ?? 60 * 60 * 1000,
        maxAgeMs: opts.journalMaxAgeMs,
      });
      const authlogTimer = setInterval(
        () => void authlog.prune(opts.authlogMaxAgeMs).catch(() => undefined),
        o.authlogPruneEveryMs ?? 6 * 60 * 60 * 1000,
      );
      authlogTimer.unref();
      const stop = () => {
        clearInterval(sweepTimer);
        clearInterval(authlogTimer);
        stopPrune();
        stops.delete(stop);
      };
      stops.add(stop);
      return stop;
    },
    async close() {
      for (const s of [...stops]) s();
      // bounded: a back end that has gone away must not hold up the shutdown
      await Promise.race([
        Promise.all([ctx.index.flush().catch(() => undefined), ctx.usage.flush(), ctx.reaper.close()]),
        sleep(FLUSH_LIMIT_MS, undefined, { ref: false }),
      ]);
      await notify.close();
      await ctx.locks.close();
    },
  };
}
