// Messages of a mailbox: list, read (parsed, raw, attachments), flag, move, delete, upload.
import { z } from 'zod';
import type { Response } from 'express';
import { defineRoute, type AnyRoute, type ApiDeps } from '../registry.ts';
import { dateString, objectId, pagingQuery, qbool, successSchema, userParam } from '../schemas.ts';
import { ApiError, badInput, notFound } from '../errors.ts';
import {
  addressList,
  flagState,
  LIST_FIELDS,
  messageListItem,
  oneAddress,
  requireMailbox,
} from '../format.ts';
import { decodedPart, htmlOf } from '../message-parts.ts';
import { pageLinks, pageWindow } from '../paging.ts';
import { compose, composeSchema, type Compose } from '../compose.ts';
import type { MessageView } from '../../store/index.ts';

const uid = z.coerce.number({ error: 'must be a message UID' }).int().min(1).max(4294967295);
const mailboxParams = z.object({ user: userParam, mailbox: objectId });
const messageParams = mailboxParams.extend({ message: uid });

export async function getMessage(
  deps: ApiDeps,
  user: string,
  mailbox: string,
  uidValue: number,
  fields: Parameters<ApiDeps['ctx']['store']['messages']['fetch']>[3],
): Promise<MessageView> {
  for await (const m of deps.ctx.store.messages.fetch(user, mailbox, [uidValue], fields)) return m;
  throw notFound('MessageNotFound', 'no such message');
}

/** Pipes a readable to the response; a failure mid-stream ends the connection rather than the process. */
export function pipeStream(
  stream: NodeJS.ReadableStream & { destroy?: (e?: Error) => void },
  res: Response,
  log: ApiDeps['ctx']['log'],
): Promise<void> {
  return new Promise((resolve) => {
    stream.on('error', (err: Error) => {
      log.error({ err }, 'stream to API client failed');
      res.destroy(err);
      resolve();
    });
    res.on('close', () => {
      stream.destroy?.();
      resolve();
    });
    stream.pipe(res);
  });
}

const listMessages = defineRoute({
  method: 'get',
  path: '/users/:user/mailboxes/:mailbox/messages',
  tag: 'Messages',
  summary: 'Messages of a mailbox, newest first',
  access: 'user',
  params: mailboxParams,
  query: z.object({
    ...pagingQuery,
    order: z.enum(['asc', 'desc']).optional(),
    unseen: qbool.optional().describe('only unseen messages'),
  }),
  responses: { 200: { description: 'A page of messages' } },
  async handler({ user, params, query, deps }) {
    const mb = await requireMailbox(deps, user, params.mailbox);
    const store = deps.ctx.store;
    let uids = query.unseen
      ? await store.messages.search(user, mb.id, { type: 'flag', flag: '\\Seen', set: false })
      : await store.messages.listUids(user, mb.id);
    const order = query.order ?? 'desc';
    if (order === 'desc') uids = [...uids].reverse();
    const { start, limit } = pageWindow(query);
    const page = uids.slice(start, start + limit);
    const results = [];
    if (page.length) {
      const byUid = new Map<number, MessageView>();
      for await (const m of store.messages.fetch(user, mb.id, page, LIST_FIELDS)) byUid.set(m.uid, m);
      for (const u of page) {
        const m = byUid.get(u);
        if (m) results.push(messageListItem(m));
      }
    }
    return {
      success: true,
      total: uids.length,
      ...pageLinks(start, limit, uids.length),
      specialUse: mb.specialUse,
      results,
    };
  },
});

const getOne = defineRoute({
  method: 'get',
  path: '/users/:user/mailboxes/:mailbox/messages/:message',
  tag: 'Messages',
  summary: 'One message, parsed: headers, addresses, text, html and the attachment list',
  access: 'user',
  params: messageParams,
  query: z.object({ markAsSeen: qbool.optional() }),
  responses: { 200: { description: 'The message' } },
  async handler({ user, params, query, deps }) {
    const mb = await requireMailbox(deps, user, params.mailbox);
    const m = await getMessage(deps, user, mb.id, params.message, [...LIST_FIELDS, 'headers', 'text']);
    if (query.markAsSeen && !flagState(m.flags).seen) {
      const r = await deps.ctx.store.messages.updateFlags({
        user,
        mailbox: mb.id,
        uids: [m.uid],
        action: 'add',
        flags: ['\\Seen'],
      });
      if (r.updated[0]) m.flags = r.updated[0].flags;
    }
    const html = await htmlOf(deps.ctx.store, user, mb.id, m.uid);
    return {
      success: true,
      id: m.uid,
      mailbox: mb.id,
      user,
      messageId: m.msgid ?? null,
      inReplyTo: m.inReplyTo ?? null,
      references: m.references ?? [],
      subject: m.subject ?? '',
      from: oneAddress(m.from),
      to: addressList(m.to),
      cc: addressList(m.cc),
      bcc: addressList(m.bcc),
      replyTo: addressList(m.replyTo),
      date: (m.hdate ?? m.idate ?? new Date(0)).toISOString(),
      idate: (m.idate ?? new Date(0)).toISOString(),
      size: m.size ?? 0,
      ...flagState(m.flags),
      flags: m.flags ?? [],
      headers: m.headers ?? [],
      text: m.text ?? '',
      html,
      attachments: (m.attachments ?? []).map((a) => ({
        id: a.id,
        filename: a.filename,
        contentType: a.contentType,
        disposition: a.disposition,
        size: a.size,
        sizeKb: Math.ceil(a.size / 1024),
        ...(a.contentId ? { cid: a.contentId } : {}),
      })),
    };
  },
});

const getRaw = defineRoute({
  method: 'get',
  path: '/users/:user/mailboxes/:mailbox/messages/:message/message.eml',
  tag: 'Messages',
  summary: 'The exact stored bytes of a message',
  access: 'user',
  params: messageParams,
  responses: { 200: { description: 'RFC 5322 message', contentType: 'message/rfc822' } },
  async handler({ user, params, res, deps }) {
    const mb = await requireMailbox(deps, user, params.mailbox);
    const raw = await deps.ctx.store.messages.openRaw(user, mb.id, params.message);
    if (!raw) throw notFound('MessageNotFound', 'no such message');
    res.status(200);
    res.setHeader('Content-Type', 'message/rfc822');
    res.setHeader('Content-Length', String(raw.size));
    res.setHeader('Content-Disposition', `attachment; filename="${params.message}.eml"`);
    await pipeStream(raw.stream, res, deps.ctx.log);
    return undefined;
  },
});

const getAttachment = defineRoute({
  method: 'get',
  path: '/users/:user/mailboxes/:mailbox/messages/:message/attachments/:attachment',
  tag: 'Messages',
  summary: 'The decoded content of one attachment',
  access: 'user',
  params: messageParams.extend({
    attachment: z
      .string()
      .max(64)
      .regex(/^[1-9][0-9]{0,8}(\.[1-9][0-9]{0,8}){0,20}$/, 'must be an attachment id'),
  }),
  responses: { 200: { description: 'Attachment bytes', contentType: 'application/octet-stream' } },
  async handler({ user, params, res, deps }) {
    const mb = await requireMailbox(deps, user, params.mailbox);
    const m = await getMessage(deps, user, mb.id, params.message, ['attachments']);
    const a = (m.attachments ?? []).find((x) => x.id === params.attachment);
    if (!a) throw notFound('AttachmentNotFound', 'no such attachment');
    const content = await decodedPart(deps.ctx.store, user, mb.id, m.uid, a.id);
    if (!content) throw notFound('AttachmentNotFound', 'no such attachment');
    res.setHeader('Content-Type', a.contentType || 'application/octet-stream');
    const name = (a.filename ?? `attachment-${a.id}`).replace(/["\\\r\n]/g, '_');
    res.setHeader('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(name)}`);
    res.end(content);
    return undefined;
  },
});

const FLAG_FIELDS = {
  seen: '\\Seen',
  flagged: '\\Flagged',
  deleted: '\\Deleted',
  draft: '\\Draft',
  answered: '\\Answered',
  forwarded: '$Forwarded',
} as const;

const updateMessage = defineRoute({
  method: 'put',
  path: '/users/:user/mailboxes/:mailbox/messages/:message',
  tag: 'Messages',
  summary: 'Change flags or move a message',
  access: 'user',
  params: messageParams,
  body: z
    .object({
      seen: z.boolean().optional(),
      flagged: z.boolean().optional(),
      deleted: z.boolean().optional(),
      draft: z.boolean().optional(),
      answered: z.boolean().optional(),
      forwarded: z.boolean().optional(),
      moveTo: objectId.optional().describe('id of the mailbox to move the message to'),
    })
    .strict(),
  responses: { 200: { description: 'Changed' } },
  async handler({ user, params, body, deps }) {
    const store = deps.ctx.store;
    const mb = await requireMailbox(deps, user, params.mailbox);
    await getMessage(deps, user, mb.id, params.message, ['flags']);
    const add: string[] = [];
    const remove: string[] = [];
    for (const [k, flag] of Object.entries(FLAG_FIELDS)) {
      const v = body[k as keyof typeof FLAG_FIELDS];
      if (v === true) add.push(flag);
      if (v === false) remove.push(flag);
    }
    let updated = 0;
    for (const [action, flags] of [
      ['add', add],
      ['remove', remove],
    ] as const) {
      if (!flags.length) continue;
      const r = await store.messages.updateFlags({
        user,
        mailbox: mb.id,
        uids: [params.message],
        action,
        flags,
      });
      updated = Math.max(updated, r.updated.length);
    }
    if (body.moveTo && body.moveTo.toLowerCase() !== mb.id) {
      const target = await requireMailbox(deps, user, body.moveTo);
      const r = await store.messages.move({
        user,
        mailbox: mb.id,
        uids: [params.message],
        target: target.id,
      });
      return {
        success: true,
        mailbox: target.id,
        id: r.map.map((e) => [e.source, e.target]),
        updated: r.map.length,
      };
    }
    return { success: true, updated };
  },
});

const deleteMessage = defineRoute({
  method: 'delete',
  path: '/users/:user/mailboxes/:mailbox/messages/:message',
  tag: 'Messages',
  summary: 'Delete a message now (no \\Deleted flag needed)',
  access: 'user',
  params: messageParams,
  responses: { 200: { description: 'Deleted', schema: successSchema } },
  async handler({ user, params, deps }) {
    const mb = await requireMailbox(deps, user, params.mailbox);
    const r = await deps.ctx.store.messages.expunge({
      user,
      mailbox: mb.id,
      uids: [params.message],
      requireDeleted: false,
    });
    if (!r.uids.length) throw notFound('MessageNotFound', 'no such message');
    return { success: true };
  },
});

const uploadMessage = defineRoute({
  method: 'post',
  path: '/users/:user/mailboxes/:mailbox/messages',
  tag: 'Messages',
  summary: 'Store a message: raw bytes (message/rfc822), or JSON composed into a message',
  description:
    'With Content-Type message/rfc822 the body is stored byte for byte; flags and the internal date come ' +
    'from the query. With JSON, `raw` (base64) is stored as it is, otherwise the fields are composed into a ' +
    'MIME message. Larger than maxMessageSize: 413. As in WildDuck, a message is stored as seen unless unseen=true.',
  access: 'user',
  params: mailboxParams,
  query: z.object({
    date: dateString.optional(),
    unseen: qbool.optional(),
    flagged: qbool.optional(),
    draft: qbool.optional(),
  }),
  body: composeSchema,
  raw: {
    types: ['message/rfc822'],
    limit: (deps) => deps.ctx.config.maxMessageSize,
    description: 'The message, byte for byte',
  },
  jsonLimit: (deps) => Math.ceil(deps.ctx.config.maxMessageSize * 1.4) + 64 * 1024,
  responses: {
    200: {
      description: 'Stored',
      schema: z.object({
        success: z.literal(true),
        message: z.object({ id: z.number(), mailbox: z.string(), size: z.number() }),
      }),
    },
  },
  async handler({ user, params, query, body, raw, deps }) {
    const mb = await requireMailbox(deps, user, params.mailbox);
    let bytes: Buffer;
    const b = body as Compose | undefined;
    if (raw) bytes = raw;
    else if (b?.raw !== undefined) bytes = Buffer.from(b.raw, 'base64');
    else if (b && (b.from || b.to || b.subject !== undefined || b.text !== undefined || b.html !== undefined))
      bytes = await compose(b, b.date ?? query.date);
    else throw badInput('body: send the message as message/rfc822, or JSON with raw or message fields');
    if (bytes.length === 0) throw badInput('body: the message is empty');
    if (bytes.length > deps.ctx.config.maxMessageSize) {
      throw new ApiError(
        413,
        'PayloadTooLarge',
        `message is larger than ${deps.ctx.config.maxMessageSize} bytes`,
      );
    }
    const unseen = b?.unseen ?? query.unseen ?? false;
    const flags: string[] = [];
    if (!unseen) flags.push('\\Seen');
    if (b?.flagged ?? query.flagged) flags.push('\\Flagged');
    if (b?.draft ?? query.draft) flags.push('\\Draft');
    const idate = b?.date ?? query.date;
    const r = await deps.ctx.store.messages.add({
      user,
      mailbox: mb.id,
      raw: bytes,
      flags,
      ...(idate ? { idate } : {}),
    });
    await deps.ctx.store.deliveries.count('api');
    return { success: true, message: { id: r.uid, mailbox: r.mailbox, size: r.size } };
  },
});

export const messageRoutes: AnyRoute[] = [
  listMessages,
  uploadMessage,
  getOne,
  getRaw,
  getAttachment,
  updateMessage,
  deleteMessage,
];
