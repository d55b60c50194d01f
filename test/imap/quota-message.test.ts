// QUOTA with the MESSAGE resource (RFC 9208 §5.2) over a raw socket: GETQUOTA / GETQUOTAROOT report
// `MESSAGE used limit` beside STORAGE, APPEND and COPY past the limit are `NO [OVERQUOTA]` with
// nothing stored, MOVE keeps the count, and the count stays right after COPY and EXPUNGE.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RawImap } from './_client.ts';
import { startImap, type ImapTestEnv } from './_setup.ts';

let env: ImapTestEnv;
let c: RawImap;

async function append(tag: string, box = 'INBOX'): Promise<string> {
  const m = `Subject: ${tag}\r\n\r\nbody\r\n`;
  const r = await c.command(tag, `APPEND ${box} {${m.length}+}\r\n${m}`);
  return r[r.length - 1]!;
}

before(async () => {
  env = await startImap();
  await env.srv.store.users.update(env.user.id, { messageQuota: 4 });
  c = await env.login();
});
after(async () => {
  c.close();
  await env.srv.stop();
});

test('CAPABILITY lists QUOTA=RES-MESSAGE', async () => {
  const caps = (await c.command('c1', 'CAPABILITY'))[0]!.split(' ');
  assert.ok(caps.includes('QUOTA=RES-STORAGE') && caps.includes('QUOTA=RES-MESSAGE'));
});

test('MESSAGE alone when only a message limit is set; with STORAGE when both are', async () => {
  assert.deepEqual(await c.command('g1', 'GETQUOTAROOT INBOX'), [
    '* QUOTAROOT "INBOX" ""',
    '* QUOTA "" (MESSAGE 0 4)',
    'g1 OK GETQUOTAROOT completed',
  ]);
  await env.srv.store.users.update(env.user.id, { quota: 1024 * 1024 });
  assert.deepEqual(await c.command('g2', 'GETQUOTA ""'), [
    '* QUOTA "" (STORAGE 0 1024 MESSAGE 0 4)',
    'g2 OK GETQUOTA completed',
  ]);
  // RFC 9208 §4.1.3: SETQUOTA is refused for every resource alike
  assert.deepEqual(await c.command('g3', 'SETQUOTA "" (MESSAGE 10)'), [
    'g3 NO [NOPERM] Quotas are set by the administrator',
  ]);
});

test('APPEND, COPY and MOVE at the limit; the count after COPY and EXPUNGE', async () => {
  await c.command('cr', 'CREATE Other');
  for (const t of ['a1', 'a2', 'a3']) assert.match(await append(t), /OK/);
  await c.command('s1', 'SELECT INBOX');
  // 3 held, 1 free: a COPY of 2 copies nothing
  assert.deepEqual(await c.command('k1', 'COPY 1:2 Other'), ['k1 NO [OVERQUOTA] Quota exceeded']);
  assert.deepEqual(await c.command('q1', 'GETQUOTA ""'), [
    '* QUOTA "" (STORAGE 1 1024 MESSAGE 3 4)',
    'q1 OK GETQUOTA completed',
  ]);
  const k2 = await c.command('k2', 'COPY 1 Other');
  assert.match(k2[k2.length - 1]!, /^k2 OK \[COPYUID /);
  assert.match(await append('a4'), /^a4 NO \[OVERQUOTA\] /);
  // MOVE keeps the count: allowed at the limit
  const m1 = await c.command('m1', 'MOVE 3 Other');
  assert.match(m1[m1.length - 1]!, /^m1 OK /, m1.join('\n'));
  assert.deepEqual((await c.command('q2', 'GETQUOTA ""'))[0], '* QUOTA "" (STORAGE 1 1024 MESSAGE 4 4)');
  await c.command('d1', 'STORE 1:2 +FLAGS.SILENT (\\Deleted)');
  await c.command('x1', 'EXPUNGE');
  assert.deepEqual((await c.command('q3', 'GETQUOTA ""'))[0], '* QUOTA "" (STORAGE 1 1024 MESSAGE 2 4)');
  assert.match(await append('a5', 'Other'), /^a5 OK /);
  assert.deepEqual((await c.command('q4', 'GETQUOTA ""'))[0], '* QUOTA "" (STORAGE 1 1024 MESSAGE 3 4)');
  assert.equal((await env.srv.store.users.get(env.user.id))!.messagesUsed, 3);
});
