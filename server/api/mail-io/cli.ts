// `nestbox import` and `nestbox export`: the same import/export code as the API, talking to the store
// directly (back ends from the config, no HTTP), with a progress bar when stderr is a terminal.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Config } from '../../config/index.ts';
import { startBackends } from '../../services/backends.ts';
import { createStore, ensureIndexes, type Store } from '../../store/index.ts';
import { createLogging } from '../../log/logger.ts';
import { importFile } from './importer.ts';
import { exportMbox } from './exporter.ts';
import { EventBus } from '../event-bus.ts';
import { UserError } from '../../user-error.ts';

function bar(fraction: number, label: string): void {
  if (!process.stderr.isTTY) return;
  const width = 30;
  const f = Math.max(0, Math.min(1, fraction));
  const filled = Math.round(f * width);
  process.stderr.write(
    `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(f * 100)).padStart(3)}% ${label}\x1b[K`,
  );
}

async function withStore<T>(
  config: Config,
  fn: (store: Store, backends: Awaited<ReturnType<typeof startBackends>>) => Promise<T>,
): Promise<T> {
  const { log, flush } = await createLogging({ level: 'warn', console: 'off' });
  const backends = await startBackends(config, log, (db) => ensureIndexes(db));
  const store = createStore({ db: backends.db, redis: backends.redis });
  try {
    return await fn(store, backends);
  } finally {
    await store.close();
    await backends.close();
    await flush();
  }
}

async function findUser(store: Store, key: string) {
  const u = /^[0-9a-f]{24}$/i.test(key) ? await store.users.get(key) : await store.users.getByUsername(key);
  if (u) return u;
  const byAddress = await store.addresses.resolve(key).catch(() => null);
  const found = byAddress ? await store.users.get(byAddress.user) : null;
  if (!found)
    throw new UserError(
      `no user ${key}: name an existing user by username, id or address (GET /users lists them)`,
    );
  return found;
}

export async function cliImport(
  config: Config,
  userKey: string,
  file: string,
  opts: { mailbox?: string; format?: 'auto' | 'mbox' | 'maildir' },
): Promise<string> {
  return withStore(config, async (store, backends) => {
    const user = await findUser(store, userKey);
    const bus = new EventBus(backends.redis);
    const report = await importFile({
      store,
      redis: backends.redis,
      user: user.id,
      file,
      format: opts.format ?? 'auto',
      ...(opts.mailbox ? { mailbox: opts.mailbox } : {}),
      maxMessageSize: config.maxMessageSize,
      onProgress: (p) => {
        bar(p.fraction, `${p.done} messages`);
        void bus.publish('import', `import for ${user.username}: ${p.done} messages`, {
          user: user.id,
          username: user.username,
          state: 'progress',
          ...p,
        });
      },
    });
    if (process.stderr.isTTY) process.stderr.write('\n');
    const lines = [
      `imported ${report.imported}, already there ${report.skipped}, failed ${report.failed} (${report.format})`,
      ...report.mailboxes.map((m) => `  ${m.path}: ${m.imported} imported, ${m.skipped} skipped`),
      ...report.errors.map((e) => `  error: ${e}`),
    ];
    return lines.join('\n');
  });
}

export async function cliExport(
  config: Config,
  userKey: string,
  mailboxKey: string,
  file: string,
): Promise<string> {
  return withStore(config, async (store) => {
    const user = await findUser(store, userKey);
    const mb = /^[0-9a-f]{24}$/i.test(mailboxKey)
      ? await store.mailboxes.getById(user.id, mailboxKey)
      : await store.mailboxes.get(user.id, mailboxKey);
    if (!mb)
      throw new UserError(
        `no mailbox ${mailboxKey} for ${user.username}: name it by path (e.g. INBOX) or id (GET /users/${user.username}/mailboxes lists them)`,
      );
    const out = createWriteStream(file);
    await once(out, 'open');
    const n = await exportMbox(store, mb.id, out, (done, total) =>
      bar(total ? done / total : 1, `${done}/${total} messages`),
    );
    out.end();
    await once(out, 'finish');
    if (process.stderr.isTTY) process.stderr.write('\n');
    return `exported ${n} messages from ${mb.path} to ${file}`;
  });
}
