// `nestbox import` and `nestbox export`. When the data folder's server runs, they go through its
// API with its admin token (remote.ts), so nothing else touches its back ends; otherwise they open
// the back ends themselves — embedded ones only under the data folder's lock, which refuses while
// another process holds it. Progress goes to stderr (progress.ts).
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Config } from '../../config/index.ts';
import { startBackends } from '../../services/backends.ts';
import { createStore, type Store } from '../../store/index.ts';
import { createLogging } from '../../log/logger.ts';
import { importFile, type ImportReport } from './importer.ts';
import { exportMaildir, exportMbox } from './exporter.ts';
import { EventBus } from '../event-bus.ts';
import { UserError } from '../../user-error.ts';
import { Progress } from './progress.ts';
import { countSeparators, countZipMessages } from './stream-counters.ts';
import { call, callJson, findRunningServer, listenEvents, type RemoteServer } from './remote.ts';

export type ExportFormat = 'mbox' | 'maildir';

async function withStore<T>(
  config: Config,
  command: string,
  fn: (store: Store, backends: Awaited<ReturnType<typeof startBackends>>) => Promise<T>,
): Promise<T> {
  const { log, flush } = await createLogging({ level: 'warn', console: 'off' });
  const backends = await startBackends(config, log, command);
  const store = createStore({
    database: backends.database,
    redis: backends.redis,
    options: { channelPrefix: config.redisPrefix },
  });
  try {
    await store.ensureIndexes();
    return await fn(store, backends);
  } finally {
    await store.close();
    await backends.close();
    await flush();
  }
}

const running = (config: Config) => findRunningServer(config.dataDir, config.apiHost, config.adminToken);

async function findUser(store: Store, key: string) {
  const u = /^[0-9a-f]{24}$/i.test(key) ? await store.users.get(key) : await store.users.getByUsername(key);
  if (u) return u;
  const byAddress = await store.addresses.resolve(key).catch(() => null);
  const found = byAddress ? await store.users.get(byAddress.user) : null;
  if (!found) throw noUser(key);
  return found;
}

const noUser = (key: string) =>
  new UserError(`no user ${key}: name an existing user by username, id or address (GET /users lists them)`);
const noMailbox = (key: string, user: string) =>
  new UserError(
    `no mailbox ${key} for ${user}: name it by path (e.g. INBOX) or id (GET /users/${user}/mailboxes lists them)`,
  );

async function remoteUser(server: RemoteServer, key: string): Promise<{ id: string; username: string }> {
  let id = key;
  if (key.includes('@')) {
    const r = await call(server, `/addresses/resolve/${encodeURIComponent(key)}`).catch(() => null);
    if (!r) throw noUser(key);
    id = ((await r.json()) as { user: string }).user;
  }
  const r = await call(server, `/users/${encodeURIComponent(id)}`).catch(() => null);
  if (!r) throw noUser(key);
  return (await r.json()) as { id: string; username: string };
}

function reportLines(report: ImportReport): string {
  return [
    `imported ${report.imported}, already there ${report.skipped}, failed ${report.failed} (${report.format})`,
    ...report.mailboxes.map((m) => `  ${m.path}: ${m.imported} imported, ${m.skipped} skipped`),
    ...report.errors.map((e) => `  error: ${e}`),
  ].join('\n');
}

export async function cliImport(
  config: Config,
  userKey: string,
  file: string,
  opts: { mailbox?: string; format?: 'auto' | 'mbox' | 'maildir' },
): Promise<string> {
  const progress = new Progress('imported');
  const server = await running(config);
  if (server) {
    const user = await remoteUser(server, userKey);
    const job = randomBytes(9).toString('base64url');
    const events = listenEvents(server, (event, data) => {
      if (event !== 'import' || data.job !== job || data.state !== 'progress') return;
      progress.update({
        done: Number(data.done),
        total: typeof data.total === 'number' ? data.total : null,
        fraction: Number(data.fraction),
      });
    });
    await events.ready;
    const upload = new Progress('uploaded');
    const size = statSync(file).size;
    let sent = 0;
    const counted = createReadStream(file).pipe(
      new Transform({
        transform(chunk: Buffer, _enc, cb) {
          sent += chunk.length;
          upload.update({ done: 0, total: null, fraction: size ? sent / size : 1 });
          cb(null, chunk);
        },
      }),
    );
    const q = new URLSearchParams({ job, format: opts.format ?? 'auto' });
    if (opts.mailbox) q.set('mailbox', opts.mailbox);
    try {
      const report = await callJson<ImportReport>(server, `/users/${user.id}/import?${q.toString()}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) },
        body: Readable.toWeb(counted) as ReadableStream,
        duplex: 'half',
      } as RequestInit);
      progress.finish({ done: report.done, total: report.total, fraction: 1 });
      return `${reportLines(report)}\n  (through the running server at ${server.base})`;
    } finally {
      events.stop();
    }
  }
  return withStore(config, 'import', async (store, backends) => {
    const user = await findUser(store, userKey);
    const bus = new EventBus(backends.redis, store.keys);
    const report = await importFile({
      store,
      user: user.id,
      file,
      format: opts.format ?? 'auto',
      ...(opts.mailbox ? { mailbox: opts.mailbox } : {}),
      maxMessageSize: config.maxMessageSize,
      onProgress: (p) => {
        progress.update({ done: p.done, total: p.total, fraction: p.fraction });
        void bus.publish('import', `import for ${user.username}: ${p.done} messages`, {
          user: user.id,
          username: user.username,
          state: 'progress',
          ...p,
        });
      },
    });
    progress.finish({ done: report.done, total: report.total, fraction: 1 });
    return reportLines(report);
  });
}

export async function cliExport(
  config: Config,
  userKey: string,
  mailboxKey: string | null,
  file: string,
  format: ExportFormat,
): Promise<string> {
  const progress = new Progress('exported');
  const server = await running(config);
  if (server) {
    const user = await remoteUser(server, userKey);
    const boxes = (
      await callJson<{ results: Array<{ id: string; path: string; total: number }> }>(
        server,
        `/users/${user.id}/mailboxes?counters=true`,
      )
    ).results;
    let path: string;
    let total: number;
    if (format === 'maildir') {
      path = `/users/${user.id}/export.zip`;
      total = boxes.reduce((n, b) => n + (b.total ?? 0), 0);
    } else {
      const mb = boxes.find((b) => b.id === mailboxKey || b.path === mailboxKey);
      if (!mb) throw noMailbox(mailboxKey ?? '', user.username);
      path = `/users/${user.id}/mailboxes/${mb.id}/export.mbox`;
      total = mb.total;
    }
    const r = await call(server, path);
    const out = createWriteStream(file);
    const count = (n: number) => progress.update({ done: n, total });
    await pipeline(
      Readable.fromWeb(r.body as never),
      format === 'mbox' ? countSeparators(count) : countZipMessages(count),
      out,
    );
    progress.finish({ done: total, total });
    return `exported ${total} messages ${format === 'maildir' ? 'of every mailbox' : `from ${mailboxKey}`} to ${file} (through the running server at ${server.base})`;
  }
  return withStore(config, 'export', async (store) => {
    const user = await findUser(store, userKey);
    const out = createWriteStream(file);
    await once(out, 'open');
    let summary: string;
    if (format === 'maildir') {
      const r = await exportMaildir(store, user.id, out, (done, total) => progress.update({ done, total }));
      summary = `exported ${r.messages} messages of ${r.mailboxes} mailboxes as Maildir to ${file}`;
      if (r.keywordsLeftOut.length)
        summary += `\n  keywords left out (over 26 in a folder): ${r.keywordsLeftOut.join(' ')}`;
    } else {
      const key = mailboxKey ?? 'INBOX';
      const mb = /^[0-9a-f]{24}$/i.test(key)
        ? await store.mailboxes.getById(user.id, key)
        : await store.mailboxes.get(user.id, key);
      if (!mb) throw noMailbox(key, user.username);
      const n = await exportMbox(store, user.id, mb.id, out, (done, total) =>
        progress.update({ done, total }),
      );
      summary = `exported ${n} messages from ${mb.path} to ${file}`;
    }
    out.end();
    await once(out, 'finish');
    progress.finish();
    return summary;
  });
}
