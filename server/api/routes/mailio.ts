// Mail import (mbox, or a zip of a Maildir tree) and export (mboxrd of a mailbox, or a zipped
// Maildir++ tree of every mailbox), flags included both ways.
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../registry.ts';
import { objectId, userParam } from '../schemas.ts';
import { ApiError } from '../errors.ts';
import { requireMailbox, requireUser } from '../format.ts';
import { exportMaildir, exportMbox } from '../mail-io/exporter.ts';
import { importFile } from '../mail-io/importer.ts';
import { MboxFormatError } from '../mail-io/mbox.ts';
import { ZipFormatError } from '../mail-io/maildir.ts';

/** Largest import upload; it is spooled to a temporary file, never held in memory. */
export const IMPORT_MAX_BYTES = 16 * 1024 ** 3;

const exportRoute = defineRoute({
  method: 'get',
  path: '/users/:user/mailboxes/:mailbox/export.mbox',
  tag: 'Import and export',
  summary: 'The mailbox as an mboxrd file with flags in Status / X-Status / X-Keywords',
  description:
    'Each message is its stored bytes after three lines (`Status:`, `X-Status:`, `X-Keywords:`, as mutt and ' +
    'Dovecot read them) and with mboxrd ">From " quoting; importing the file takes the lines off again.',
  access: 'user',
  params: z.object({ user: userParam, mailbox: objectId }),
  responses: { 200: { description: 'mboxrd', contentType: 'application/mbox' } },
  async handler({ user, params, res, deps }) {
    const mb = await requireMailbox(deps, user, params.mailbox);
    res.status(200);
    res.setHeader('Content-Type', 'application/mbox');
    const name = (mb.path.replace(/[^A-Za-z0-9._-]+/g, '_') || 'mailbox') + '.mbox';
    res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
    try {
      await exportMbox(deps.ctx.store, user, mb.id, res);
      res.end();
    } catch (err) {
      // headers are gone: the only honest signal left is a cut connection
      if (!res.destroyed) deps.ctx.log.error({ err }, 'mbox export failed');
      res.destroy();
    }
    return undefined;
  },
});

const maildirRoute = defineRoute({
  method: 'get',
  path: '/users/:user/export.zip',
  tag: 'Import and export',
  summary: 'Every mailbox as a zipped Maildir++ tree (flags and keywords in the file names)',
  description:
    'INBOX is `Maildir/`, other mailboxes `Maildir/.Parent.Child/` (modified UTF-7, Dovecot escapes); ' +
    "keywords are letters a–z listed in each folder's `dovecot-keywords`, at most 26 per folder.",
  access: 'user',
  params: z.object({ user: userParam }),
  responses: { 200: { description: 'zip', contentType: 'application/zip' } },
  async handler({ user, res, deps }) {
    const u = await requireUser(deps, user);
    res.status(200);
    res.setHeader('Content-Type', 'application/zip');
    const name = (u.username.replace(/[^A-Za-z0-9._-]+/g, '_') || 'mail') + '-maildir.zip';
    res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
    try {
      await exportMaildir(deps.ctx.store, user, res);
      res.end();
    } catch (err) {
      if (!res.destroyed) deps.ctx.log.error({ err }, 'Maildir export failed');
      res.destroy();
    }
    return undefined;
  },
});

const importRoute = defineRoute({
  method: 'post',
  path: '/users/:user/import',
  tag: 'Import and export',
  summary: 'Import an mbox (mboxrd/mboxo) or a zip of a Maildir tree',
  description:
    'Folders are created as needed; flags (Maildir `:2,` letters and `dovecot-keywords`, mbox Status/X-Status/' +
    'X-Keywords) and internal dates ' +
    'are kept. Importing the same messages again adds nothing: the store keeps a mark of each imported message. ' +
    'Progress is published on /events as `import` events.',
  access: 'user',
  params: z.object({ user: userParam }),
  query: z.object({
    format: z.enum(['auto', 'mbox', 'maildir']).optional(),
    mboxFormat: z.enum(['mboxrd', 'mboxo']).optional(),
    mailbox: z.string().min(1).max(1024).optional().describe('folder for an mbox import (default INBOX)'),
    job: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/)
      .optional()
      .describe("the caller's name for this import, repeated in its `import` events"),
  }),
  streamBody: {
    types: ['application/mbox', 'application/zip', 'application/octet-stream'],
    description: 'The mbox file or the zip',
  },
  responses: { 200: { description: 'Import report' } },
  async handler({ user, query, req, deps }) {
    const u = await requireUser(deps, user);
    const declared = Number(req.get('content-length') ?? '0');
    if (declared > IMPORT_MAX_BYTES)
      throw new ApiError(413, 'PayloadTooLarge', `imports are limited to ${IMPORT_MAX_BYTES} bytes`);
    const dir = mkdtempSync(join(tmpdir(), 'nestbox-import-'));
    const file = join(dir, 'upload');
    try {
      let received = 0;
      const limit = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          received += chunk.length;
          if (received > IMPORT_MAX_BYTES) cb(new ApiError(413, 'PayloadTooLarge', 'import is too large'));
          else cb(null, chunk);
        },
      });
      try {
        await pipeline(req, limit, createWriteStream(file));
      } catch (err) {
        if (err instanceof ApiError) throw err;
        throw new ApiError(400, 'RequestAborted', 'the upload was cut short');
      }
      if (received === 0) throw new ApiError(400, 'InputValidationError', 'body: the upload is empty');
      await deps.bus.publish('import', `import for ${u.username} started`, {
        user,
        username: u.username,
        ...(query.job ? { job: query.job } : {}),
        state: 'started',
      });
      let report;
      try {
        report = await importFile({
          store: deps.ctx.store,
          user,
          file,
          format: query.format ?? 'auto',
          ...(query.mboxFormat ? { mboxFormat: query.mboxFormat } : {}),
          ...(query.mailbox ? { mailbox: query.mailbox } : {}),
          maxMessageSize: deps.ctx.config.maxMessageSize,
          onProgress: (p) =>
            void deps.bus.publish(
              'import',
              `import for ${u.username}: ${p.done} messages (${Math.round(p.fraction * 100)}%)`,
              {
                user,
                username: u.username,
                ...(query.job ? { job: query.job } : {}),
                state: 'progress',
                ...p,
              },
            ),
        });
      } catch (err) {
        if (err instanceof MboxFormatError || err instanceof ZipFormatError) {
          throw new ApiError(400, 'InvalidImportFile', err.message);
        }
        throw err;
      }
      await deps.bus.publish(
        'import',
        `import for ${u.username} done: ${report.imported} imported, ${report.skipped} already there, ${report.failed} failed`,
        {
          user,
          username: u.username,
          ...(query.job ? { job: query.job } : {}),
          state: 'done',
          imported: report.imported,
          skipped: report.skipped,
          failed: report.failed,
        },
      );
      return { success: true, ...report };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
});

export const mailIoRoutes: AnyRoute[] = [exportRoute, maildirRoute, importRoute];
