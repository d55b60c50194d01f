// Store objects → WildDuck-shaped JSON.
import type { AddressInfo, MailAddress, MailboxInfo, MessageView, UserInfo } from '../store/index.ts';
import type { ApiDeps } from './registry.ts';
import { notFound } from './errors.ts';

export function userSummary(u: UserInfo) {
  return {
    id: u.id,
    username: u.username,
    name: u.name,
    address: u.address ?? '',
    quota: { allowed: u.quota, used: u.storageUsed },
    messages: { allowed: u.messageQuota, used: u.messagesUsed },
    disabled: u.disabled,
    hasPasswordSet: u.hasPassword,
    created: u.created.toISOString(),
  };
}

export function addressJson(a: AddressInfo, main: string | null) {
  return { id: a.id, address: a.address, main: a.address === main, created: a.created.toISOString() };
}

/** The last path segment is the mailbox's display name. */
export function mailboxJson(m: MailboxInfo) {
  return {
    id: m.id,
    name: m.path.split('/').pop() ?? m.path,
    path: m.path,
    specialUse: m.specialUse,
    subscribed: m.subscribed,
    modifyIndex: m.modifyIndex,
    uidValidity: m.uidValidity,
    uidNext: m.uidNext,
  };
}

export const oneAddress = (list: MailAddress[] | undefined) => {
  const a = list?.[0];
  return a ? { name: a.name, address: a.address } : { name: '', address: '' };
};

export const addressList = (list: MailAddress[] | undefined) =>
  (list ?? []).map((a) => ({ name: a.name, address: a.address }));

export function flagState(flags: string[] | undefined) {
  const f = new Set((flags ?? []).map((x) => x.toLowerCase()));
  return {
    seen: f.has('\\seen'),
    flagged: f.has('\\flagged'),
    deleted: f.has('\\deleted'),
    draft: f.has('\\draft'),
    answered: f.has('\\answered'),
    forwarded: f.has('$forwarded'),
  };
}

/** A message in list and search results. `id` is the UID, as in WildDuck. */
export function messageListItem(m: MessageView) {
  return {
    id: m.uid,
    mailbox: m.mailbox,
    messageId: m.msgid ?? null,
    subject: m.subject ?? '',
    from: oneAddress(m.from),
    to: addressList(m.to),
    cc: addressList(m.cc),
    date: (m.hdate ?? m.idate ?? new Date(0)).toISOString(),
    idate: (m.idate ?? new Date(0)).toISOString(),
    size: m.size ?? 0,
    intro: m.intro ?? '',
    attachments: Boolean(m.hasAttachments),
    ...flagState(m.flags),
    flags: m.flags ?? [],
    modseq: m.modseq ?? 0,
  };
}

export const LIST_FIELDS = [
  'flags',
  'modseq',
  'idate',
  'hdate',
  'size',
  'subject',
  'addresses',
  'msgid',
  'intro',
  'attachments',
] as const;

export async function requireUser(deps: ApiDeps, id: string): Promise<UserInfo> {
  const u = await deps.ctx.store.users.get(id);
  if (!u) throw notFound('UserNotFound', 'no such user');
  return u;
}

export async function requireMailbox(deps: ApiDeps, user: string, id: string): Promise<MailboxInfo> {
  const m = await deps.ctx.store.mailboxes.getById(user, id);
  if (!m) {
    await requireUser(deps, user);
    throw notFound('NoSuchMailbox', 'no such mailbox');
  }
  return m;
}
