// JSON → a MIME message, with nodemailer's MailComposer (POST …/messages with a JSON body).
import { z } from 'zod';
import MailComposer from 'nodemailer/lib/mail-composer';
import { dateString } from './schemas.ts';

const addressIn = z.union([
  z.string().min(3).max(320),
  z.object({ name: z.string().max(256).optional(), address: z.string().min(3).max(320) }).strict(),
]);
const addressesIn = z.union([addressIn, z.array(addressIn).max(100)]);

export const composeSchema = z
  .object({
    raw: z.string().optional().describe('the whole message, base64'),
    from: addressIn.optional(),
    to: addressesIn.optional(),
    cc: addressesIn.optional(),
    bcc: addressesIn.optional(),
    replyTo: addressIn.optional(),
    subject: z.string().max(4096).optional(),
    text: z.string().optional(),
    html: z.string().optional(),
    messageId: z.string().max(998).optional(),
    inReplyTo: z.string().max(998).optional(),
    headers: z
      .array(
        z
          .object({
            key: z
              .string()
              .min(1)
              .max(128)
              .regex(/^[!-9;-~]+$/),
            value: z.string().max(8192),
          })
          .strict(),
      )
      .max(100)
      .optional(),
    attachments: z
      .array(
        z
          .object({
            filename: z.string().max(256).optional(),
            contentType: z.string().max(256).optional(),
            content: z.string().describe('base64'),
            cid: z.string().max(256).optional(),
          })
          .strict(),
      )
      .max(100)
      .optional(),
    date: dateString.optional(),
    unseen: z.boolean().optional(),
    flagged: z.boolean().optional(),
    draft: z.boolean().optional(),
  })
  .strict();

export type Compose = z.output<typeof composeSchema>;

function toMailAddress(a: z.output<typeof addressIn>) {
  return typeof a === 'string' ? a : { name: a.name ?? '', address: a.address };
}
const toList = (v: z.output<typeof addressesIn> | undefined) =>
  v === undefined ? undefined : (Array.isArray(v) ? v : [v]).map(toMailAddress);

export function compose(body: Compose, date: Date | undefined): Promise<Buffer> {
  const mc = new MailComposer({
    ...(body.from ? { from: toMailAddress(body.from) } : {}),
    ...(body.to ? { to: toList(body.to) } : {}),
    ...(body.cc ? { cc: toList(body.cc) } : {}),
    ...(body.bcc ? { bcc: toList(body.bcc) } : {}),
    ...(body.replyTo ? { replyTo: toMailAddress(body.replyTo) } : {}),
    ...(body.subject !== undefined ? { subject: body.subject } : {}),
    ...(body.text !== undefined ? { text: body.text } : {}),
    ...(body.html !== undefined ? { html: body.html } : {}),
    ...(body.messageId ? { messageId: body.messageId } : {}),
    ...(body.inReplyTo ? { inReplyTo: body.inReplyTo } : {}),
    ...(body.headers ? { headers: body.headers.map((h) => ({ key: h.key, value: h.value })) } : {}),
    ...(body.attachments
      ? {
          attachments: body.attachments.map((a) => ({
            ...(a.filename ? { filename: a.filename } : {}),
            ...(a.contentType ? { contentType: a.contentType } : {}),
            ...(a.cid ? { cid: a.cid } : {}),
            content: Buffer.from(a.content, 'base64'),
          })),
        }
      : {}),
    date: date ?? new Date(),
    // keep Bcc in the stored copy: it is the sender's own record
    keepBcc: true,
  } as ConstructorParameters<typeof MailComposer>[0]);
  return new Promise((resolve, reject) =>
    mc.compile().build((err, msg) => (err ? reject(err) : resolve(msg))),
  );
}
