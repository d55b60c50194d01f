// A mailbox id is only ever one of the acting user's: filters and every route that takes a mailbox
// id answer 404 NoSuchMailbox (JSON {error, code}) for another user's mailbox, with the user's own
// token and with the admin token acting for that user alike.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApi, type ApiEnv } from './_setup.ts';
import type { Client, HttpResponse } from './_client.ts';

let env: ApiEnv;
let alice: Awaited<ReturnType<ApiEnv['newUser']>>;
let bob: Awaited<ReturnType<ApiEnv['newUser']>>;
let aliceInbox: string;
let bobInbox: string;
let aliceMessage: number;

const inboxOf = async (c: Client, user: string): Promise<string> => {
  const r = await c.get(`/users/${user}/mailboxes`);
  assert.equal(r.status, 200, r.text);
  return (r.body.results as Array<{ id: string; path: string }>).find((m) => m.path === 'INBOX')!.id;
};

const noSuchMailbox = (r: HttpResponse, what: string) => {
  assert.equal(r.status, 404, `${what}: ${r.status} ${r.text}`);
  assert.equal(r.body.code, 'NoSuchMailbox', what);
  assert.equal(typeof r.body.error, 'string', what);
};

before(async () => {
  env = await startApi();
  alice = await env.newUser('alice');
  bob = await env.newUser('bob');
  aliceInbox = await inboxOf(alice.client, alice.id);
  bobInbox = await inboxOf(bob.client, bob.id);
  const up = await alice.client.req('POST', `/users/${alice.id}/mailboxes/${aliceInbox}/messages`, {
    body: 'From: a@example.test\r\nSubject: mine\r\n\r\nbody\r\n',
    headers: { 'Content-Type': 'message/rfc822' },
  });
  assert.equal(up.status, 200, up.text);
  aliceMessage = up.body.message.id;
});
after(async () => {
  await env?.stop();
});

test("a filter cannot name another user's mailbox, on create or on change", async () => {
  for (const [who, c] of [
    ['own token', alice.client],
    ['admin token', env.admin],
  ] as const) {
    const bad = await c.post(`/users/${alice.id}/filters`, {
      query: { subject: 'x' },
      action: { mailbox: bobInbox },
    });
    noSuchMailbox(bad, `create with ${who}`);
  }
  const listed = await alice.client.get(`/users/${alice.id}/filters`);
  assert.deepEqual(listed.body.results, []);

  const ok = await alice.client.post(`/users/${alice.id}/filters`, {
    query: { subject: 'x' },
    action: { mailbox: aliceInbox },
  });
  assert.equal(ok.status, 200, ok.text);
  const change = await alice.client.put(`/users/${alice.id}/filters/${ok.body.id}`, {
    action: { mailbox: bobInbox },
  });
  noSuchMailbox(change, 'change');
  const kept = await alice.client.get(`/users/${alice.id}/filters/${ok.body.id}`);
  assert.equal(kept.body.action.mailbox, aliceInbox);

  // a mailbox id that exists nowhere is refused the same way
  const none = await alice.client.post(`/users/${alice.id}/filters`, {
    query: {},
    action: { mailbox: '0123456789abcdef01234567' },
  });
  noSuchMailbox(none, 'unknown id');

  // someone else's filter stays someone else's: FilterNotFound, not a mailbox check
  const bobs = await bob.client.post(`/users/${bob.id}/filters`, {
    query: {},
    action: { mailbox: bobInbox },
  });
  assert.equal(bobs.status, 200, bobs.text);
  const foreign = await alice.client.put(`/users/${alice.id}/filters/${bobs.body.id}`, {
    action: { mailbox: aliceInbox },
  });
  assert.equal(foreign.status, 404);
  assert.equal(foreign.body.code, 'FilterNotFound');
});

test("every route that takes a mailbox id refuses another user's mailbox", async () => {
  const a = `/users/${alice.id}`;
  const routes: Array<[string, () => Promise<HttpResponse>]> = [
    ['GET mailbox', () => alice.client.get(`${a}/mailboxes/${bobInbox}`)],
    ['PUT mailbox', () => alice.client.put(`${a}/mailboxes/${bobInbox}`, { subscribed: false })],
    ['DELETE mailbox', () => alice.client.del(`${a}/mailboxes/${bobInbox}`)],
    ['GET messages', () => alice.client.get(`${a}/mailboxes/${bobInbox}/messages`)],
    ['GET message', () => alice.client.get(`${a}/mailboxes/${bobInbox}/messages/1`)],
    ['GET message.eml', () => alice.client.get(`${a}/mailboxes/${bobInbox}/messages/1/message.eml`)],
    ['GET attachment', () => alice.client.get(`${a}/mailboxes/${bobInbox}/messages/1/attachments/2`)],
    ['PUT message', () => alice.client.put(`${a}/mailboxes/${bobInbox}/messages/1`, { seen: true })],
    ['DELETE message', () => alice.client.del(`${a}/mailboxes/${bobInbox}/messages/1`)],
    [
      'POST message',
      () =>
        alice.client.req('POST', `${a}/mailboxes/${bobInbox}/messages`, {
          body: 'Subject: x\r\n\r\nx\r\n',
          headers: { 'Content-Type': 'message/rfc822' },
        }),
    ],
    [
      'PUT moveTo',
      () => alice.client.put(`${a}/mailboxes/${aliceInbox}/messages/${aliceMessage}`, { moveTo: bobInbox }),
    ],
    ['GET search', () => alice.client.get(`${a}/search?mailbox=${bobInbox}&query=x`)],
    ['GET export.mbox', () => alice.client.get(`${a}/mailboxes/${bobInbox}/export.mbox`)],
  ];
  for (const [name, call] of routes) noSuchMailbox(await call(), name);
  // nothing moved, nothing changed
  const bobs = await bob.client.get(`/users/${bob.id}/mailboxes/${bobInbox}/messages`);
  assert.equal(bobs.body.total, 0);
  const mine = await alice.client.get(`${a}/mailboxes/${aliceInbox}/messages`);
  assert.equal(mine.body.total, 1);
});
