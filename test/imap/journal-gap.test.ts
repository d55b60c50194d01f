// A session that finds a gap in the journal re-reads the mailbox rather than skipping it
// (docs/ARCHITECTURE.md §3-§4): another process commits a message but cannot write its journal
// entry; an IDLE session hears the entry-less beacon and a NOOP without any beacon finds the
// mailbox ahead, and both announce the message from the index rebuilt from the messages. A POP3
// login sees it too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MongoClient } from 'mongodb';
import { RawImap } from './_client.ts';
import { RawPop3 } from '../pop3/_util.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { openTestRedis, testEnv } from '../helpers/backends.ts';
import { mail } from '../store/_mail.ts';
import { createStore, JournalWriteError, type Store } from '../../server/store/index.ts';
import { storeErrorReply } from '../../server/imap/store-errors.ts';

let srv: TestServer;
let client: MongoClient;
const password = 'gap-secret-1';

before(async () => {
  srv = await startTestServer({ services: ['imap', 'pop3'] });
  client = new MongoClient(testEnv().mongodbUri);
  await client.connect();
});
after(async () => {
  await client.close();
  await srv.stop();
});

/** Another process's store whose journal writes all fail; `prefix` other than the server's keeps
 * its beacons from reaching the server at all. */
async function withFailingJournal<T>(prefix: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const redis = openTestRedis();
  const store = createStore({
    db: client.db(srv.dbName),
    redis,
    options: {
      bcryptRounds: 4,
      channelPrefix: prefix,
      journalRetryMs: 200,
      onJournalWrite: () => {
        throw new Error('journal unavailable (injected)');
      },
    },
  });
  try {
    return await fn(store);
  } finally {
    await store.close();
    redis.disconnect();
  }
}

/** The next response, or null when none comes within `ms`. */
async function next(c: RawImap, ms: number): Promise<string | null> {
  try {
    return await c.response(ms);
  } catch (err) {
    if (String(err).includes('timeout')) return null;
    throw err;
  }
}

async function deliverLosingJournal(prefix: string, user: string, mailbox: string, subject: string) {
  await withFailingJournal(prefix, (store) =>
    assert.rejects(store.messages.add({ user, mailbox, raw: mail({ subject }) }), JournalWriteError),
  );
}

test('an IDLE session hears of a message whose journal entry was never written', async () => {
  const u = await srv.store.users.create({ username: 'gapidle', password });
  const inbox = (await srv.store.mailboxes.get(u.id, 'INBOX'))!;
  await srv.store.messages.add({ user: u.id, mailbox: inbox.id, raw: mail({ subject: 'first' }) });
  const c = await RawImap.open(srv.ports.imap!, { localAddress: '127.0.62.1' });
  try {
    await c.response();
    assert.match((await c.command('a', `LOGIN gapidle ${password}`)).at(-1)!, /^a OK/);
    assert.ok((await c.command('b', 'SELECT INBOX')).includes('* 1 EXISTS'));
    c.write('i IDLE\r\n');
    assert.equal(await c.response(), '+ idling');
    await deliverLosingJournal(srv.store.keys.prefix, u.id, inbox.id, 'second');
    const pushed: string[] = [];
    for (let r = await next(c, 2000); r !== null; r = await next(c, 300)) pushed.push(r);
    assert.ok(pushed.includes('* 2 EXISTS'), pushed.join(' | '));
    c.write('DONE\r\n');
    assert.match((await c.response())!, /^i OK/);
    const uids = await c.command('f', 'UID FETCH 1:* (UID)');
    assert.equal(uids.filter((l) => /^\* \d+ FETCH/.test(l)).length, 2);
  } finally {
    c.close();
  }
});

test('NOOP finds the mailbox ahead of the journal without any beacon; POP3 sees the message too', async () => {
  const u = await srv.store.users.create({ username: 'gapnoop', password });
  const inbox = (await srv.store.mailboxes.get(u.id, 'INBOX'))!;
  await srv.store.messages.add({ user: u.id, mailbox: inbox.id, raw: mail({ subject: 'first' }) });
  const c = await RawImap.open(srv.ports.imap!, { localAddress: '127.0.62.2' });
  try {
    await c.response();
    assert.match((await c.command('a', `LOGIN gapnoop ${password}`)).at(-1)!, /^a OK/);
    assert.ok((await c.command('b', 'SELECT INBOX')).includes('* 1 EXISTS'));
    await deliverLosingJournal(`${srv.store.keys.prefix}_elsewhere`, u.id, inbox.id, 'second');
    // nothing rang: the session learns it only by looking
    assert.equal(await next(c, 300), null);
    const noop = await c.command('n', 'NOOP');
    assert.ok(noop.includes('* 2 EXISTS'), noop.join(' | '));
  } finally {
    c.close();
  }
  const { client: pop } = await RawPop3.open(srv.ports.pop3!, { localAddress: '127.0.62.3' });
  await pop.cmd('USER gapnoop');
  assert.match(await pop.cmd(`PASS ${password}`), /^\+OK maildrop has 2 messages/);
  assert.match(await pop.cmd('QUIT'), /^\+OK/);
});

test('a command whose journal write failed answers NO [UNAVAILABLE], a temporary failure', () => {
  const reply = storeErrorReply(new JournalWriteError(4, { cause: new Error('down') }));
  assert.deepEqual(reply && { status: reply.status, code: reply.code }, {
    status: 'NO',
    code: 'UNAVAILABLE',
  });
});
