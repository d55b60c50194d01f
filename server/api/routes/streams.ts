// Live streams. /users/:user/updates: the user's journal as server-sent events, resumable with
// Last-Event-ID. /events: the admin feed — log lines, journal activity of every user, logins, imports.
import { z } from 'zod';
import { defineRoute, type AnyRoute, type ApiDeps } from '../registry.ts';
import { decodeCursor, encodeCursor, userParam } from '../schemas.ts';
import { requireUser } from '../format.ts';
import { openSse, type SseStream } from '../sse.ts';
import type { Beacon, JournalEntry } from '../../store/index.ts';
import type { LogEntry } from '../../log/ring.ts';

/**
 * Where a client is in the journal: the MODSEQ it has seen in each mailbox, and the time of the last
 * mailbox-level entry (create / rename / delete / counters). Sent as every event's id, so a
 * reconnect with Last-Event-ID replays exactly what came after.
 */
const positionSchema = z.object({
  m: z.record(z.string().regex(/^[0-9a-f]{24}$/), z.number().int().min(0)),
  t: z.number().int().min(0),
});
type Position = z.infer<typeof positionSchema>;

const MESSAGE_EVENTS = new Set(['EXISTS', 'EXPUNGE', 'FETCH']);

function entryData(e: JournalEntry) {
  return {
    command: e.command,
    mailbox: e.mailbox,
    uid: e.uid,
    modseq: e.modseq,
    ...(e.flags ? { flags: e.flags } : {}),
    ...(e.path !== undefined ? { path: e.path } : {}),
    ...(e.oldPath !== undefined ? { oldPath: e.oldPath } : {}),
    time: e.created.toISOString(),
  };
}

async function streamUpdates(
  deps: ApiDeps,
  user: string,
  sse: SseStream,
  resume: Position | null,
): Promise<void> {
  const store = deps.ctx.store;
  const pos: Position = { m: {}, t: Date.now() };
  const boxes = await store.mailboxes.list(user);
  if (resume) {
    pos.t = resume.t;
    // mailboxes the client did not know yet are replayed from their start
    for (const b of boxes) pos.m[b.id] = resume.m[b.id] ?? 0;
  } else {
    for (const b of boxes) pos.m[b.id] = b.modifyIndex;
  }
  const id = () => encodeCursor(pos);

  const counters = async (mailbox: string) => {
    try {
      const s = await store.mailboxes.status(user, mailbox);
      sse.send('counters', {
        command: 'COUNTERS',
        mailbox,
        total: s.messages,
        unseen: s.unseen,
        modifyIndex: s.highestModseq,
      });
    } catch {
      // the mailbox went away meanwhile
    }
  };

  const mailboxLevel = async () => {
    const entries = await store.notify.userEventsSince(user, new Date(pos.t));
    for (const e of entries) {
      if (sse.closed) return;
      pos.t = Math.max(pos.t, e.created.getTime());
      if (e.command === 'MAILBOX_CREATE' && pos.m[e.mailbox] === undefined) pos.m[e.mailbox] = 0;
      if (e.command === 'MAILBOX_DELETE') delete pos.m[e.mailbox];
      sse.send(e.command === 'COUNTERS' ? 'counters' : 'mailbox', entryData(e), id());
    }
  };

  const messages = async (mailbox: string) => {
    let any = false;
    for await (const e of store.notify.journalSince(mailbox, pos.m[mailbox] ?? 0)) {
      if (sse.closed) return;
      if (!MESSAGE_EVENTS.has(e.command)) continue;
      pos.m[mailbox] = Math.max(pos.m[mailbox] ?? 0, e.modseq);
      sse.send(e.command, entryData(e), id());
      any = true;
    }
    if (any) await counters(mailbox);
  };

  // Beacons only say "look": each one runs a catch-up from the journal, one at a time, in order.
  let chain: Promise<void> = Promise.resolve();
  const enqueue = (work: () => Promise<void>) => {
    chain = chain
      .then(work)
      .catch((err: unknown) => deps.ctx.log.warn({ err }, 'updates stream catch-up failed'));
  };
  const unsubscribe = await store.notify.subscribe(user, (b: Beacon) => {
    enqueue(async () => {
      await mailboxLevel();
      if (MESSAGE_EVENTS.has(b.command)) await messages(b.mailbox);
    });
  });
  sse.onClose(() => void unsubscribe());
  enqueue(async () => {
    await mailboxLevel();
    for (const mailbox of Object.keys(pos.m)) await messages(mailbox);
    sse.send('ready', { user }, id());
  });
}

const updates = defineRoute({
  method: 'get',
  path: '/users/:user/updates',
  tag: 'Events',
  summary: "Server-sent events from the user's journal (EXISTS, EXPUNGE, FETCH, mailbox changes, counters)",
  description:
    'Each event id is a position in the journal; reconnecting with Last-Event-ID (or ?lastEventId=) replays what ' +
    'was missed. A comment is sent every 15 s to keep the connection open.',
  access: 'user',
  params: z.object({ user: userParam }),
  query: z.object({ lastEventId: z.string().max(16384).optional() }),
  responses: { 200: { description: 'Event stream', contentType: 'text/event-stream' } },
  async handler({ user, query, req, res, deps }) {
    await requireUser(deps, user);
    const last = req.get('last-event-id') ?? query.lastEventId;
    const resume = last ? decodeCursor(last, positionSchema) : null;
    const sse = openSse(req, res);
    await streamUpdates(deps, user, sse, resume);
    return undefined;
  },
});

/** Sender and subject of the message an EXISTS beacon announces (its last UID). */
async function newMessage(deps: ApiDeps, b: Beacon): Promise<{ subject: string; from: string } | null> {
  try {
    for await (const m of deps.ctx.store.messages.fetch(
      b.user,
      b.mailbox,
      [b.uid],
      ['subject', 'addresses'],
    )) {
      const from = m.from?.[0] ?? m.sender?.[0];
      return {
        subject: m.subject ?? '',
        from: from ? (from.name ? `${from.name} <${from.address}>` : from.address) : '',
      };
    }
  } catch {
    // expunged meanwhile: the entry goes out without them
  }
  return null;
}

/** Names for the dashboard's feed, looked up once per stream. */
function namer(deps: ApiDeps) {
  const users = new Map<string, Promise<string | null>>();
  const boxes = new Map<string, Promise<string | null>>();
  return {
    async describe(b: Beacon) {
      if (!users.has(b.user))
        users.set(
          b.user,
          deps.ctx.store.users.get(b.user).then(
            (u) => u?.username ?? null,
            () => null,
          ),
        );
      const key = `${b.user}:${b.mailbox}`;
      if (!boxes.has(key)) {
        boxes.set(
          key,
          deps.ctx.store.mailboxes.getById(b.user, b.mailbox).then(
            (m) => m?.path ?? null,
            () => null,
          ),
        );
      }
      if (users.size > 1000) users.clear();
      if (boxes.size > 1000) boxes.clear();
      const [username, mailboxPath, message] = await Promise.all([
        users.get(b.user),
        boxes.get(key),
        b.command === 'EXISTS' ? newMessage(deps, b) : null,
      ]);
      // the entries a beacon may carry are for the mailbox indexes, not for the dashboard
      const { entries: _entries, ...summary } = b;
      return {
        ...summary,
        ...(username ? { username } : {}),
        ...(mailboxPath ? { mailboxPath } : {}),
        ...(message ?? {}),
      };
    },
  };
}

const events = defineRoute({
  method: 'get',
  path: '/events',
  tag: 'Events',
  summary: 'Admin feed: log lines, journal activity of all users, logins, import progress',
  description:
    'Server-sent events: `log`, `journal`, `auth`, `import`. EventSource cannot set headers: use ?accessToken=.',
  access: 'admin',
  query: z.object({ backlog: z.coerce.number().int().min(0).max(1000).optional() }),
  responses: { 200: { description: 'Event stream', contentType: 'text/event-stream' } },
  async handler({ req, res, query, deps }) {
    const { ctx } = deps;
    const sse = openSse(req, res);
    for (const e of ctx.ring.recent(query.backlog ?? 200)) sse.send('log', e);
    const onLog = (e: LogEntry) => sse.send('log', e);
    ctx.ring.on('entry', onLog);
    sse.onClose(() => ctx.ring.off('entry', onLog));

    const names = namer(deps);
    const unsubscribe = await ctx.store.notify.subscribeAll((b) => {
      void names
        .describe(b)
        .then((d) => sse.send('journal', { type: 'journal', ...d, time: new Date().toISOString() }));
    });
    sse.onClose(() => void unsubscribe());

    try {
      const stop = await deps.feed.listen((event, data) => sse.send(event, data));
      sse.onClose(stop);
    } catch (err) {
      ctx.log.warn({ err }, '/events could not subscribe to auth and import events');
    }
    sse.comment('subscribed');
    return undefined;
  },
});

export const streamRoutes: AnyRoute[] = [updates, events];
