// Builds test messages as exact CRLF bytes.
import { createHash } from 'node:crypto';

export interface MailSpec {
  from?: string;
  to?: string;
  cc?: string;
  subject?: string;
  date?: string;
  messageId?: string;
  text?: string;
  /** Attachment content (bytes before base64). */
  attachment?: Buffer;
  filename?: string;
  extraHeaders?: string[];
}

/** Deterministic pseudo-random bytes, so equal seeds give equal attachments. */
export function bytes(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(String(seed)).digest();
  for (let off = 0; off < size; off += block.length) {
    block.copy(out, off);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

function base64Lines(b: Buffer): string {
  return (b.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
}

export function mail(spec: MailSpec = {}): Buffer {
  const head = [
    `From: ${spec.from ?? 'Sender <sender@example.com>'}`,
    `To: ${spec.to ?? 'Rcpt <rcpt@example.org>'}`,
    ...(spec.cc ? [`Cc: ${spec.cc}`] : []),
    `Subject: ${spec.subject ?? 'Hello'}`,
    `Date: ${spec.date ?? 'Tue, 03 Mar 2026 10:00:00 +0000'}`,
    `Message-ID: ${spec.messageId ?? '<m1@example.com>'}`,
    'MIME-Version: 1.0',
    ...(spec.extraHeaders ?? []),
  ];
  const text = spec.text ?? 'Hello there.\r\n';
  if (!spec.attachment) {
    return Buffer.from([...head, 'Content-Type: text/plain; charset=utf-8', '', text].join('\r\n'));
  }
  const b = 'b0undary-42';
  return Buffer.from(
    [
      ...head,
      `Content-Type: multipart/mixed; boundary="${b}"`,
      '',
      'This is a multi-part message.',
      `--${b}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      text,
      `--${b}`,
      `Content-Type: application/octet-stream; name="${spec.filename ?? 'data.bin'}"`,
      `Content-Disposition: attachment; filename="${spec.filename ?? 'data.bin'}"`,
      'Content-Transfer-Encoding: base64',
      '',
      base64Lines(spec.attachment),
      `--${b}--`,
      '',
    ].join('\r\n'),
  );
}
