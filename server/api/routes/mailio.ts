// Mail import (mbox, or a zip of a Maildir tree) and export (mboxrd).
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
import { exportMbox } from '../mail-io/exporter.ts';
import { importFile } from '../mail-io/importer.ts';
import { MboxFormatError } from '../mail-io/mbox.ts';
import { ZipFormatError } from '../mail-io/maildir.ts';

/** Largest import upload; it is spooled to a temporary file, never held in memory. */
export const IMPORT_MAX_BYTES = 16 * 1024 ** 3;

const exportRoute = defineRoute({
  method: 'get',
  path: '/users/:user/mailboxes/:mailbox/export.mbox',
  tag: 'Import and export',
  summary: 'The mailbox as an mboxrd file (message bytes unchanged apart from mboxrd ">From " quoting)',
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
      await exportMbox(deps.ctx.store, mb.id, res);
      res.end();
    } catch (err) {
      // headers are gone: the only honest signal left is a cut connection
      if (!res.destroyed) deps.ctx.log.error({ err }, 'mbox export failed');
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
    'Folders are created as needed; flags (Maildir `:2,` letters, mbox Status/X-Status) and internal dates ' +
    'are kept. Importing the same messages again adds nothing: a per-user index of message hashes skips them. ' +
    'Progress is published on /events as `import` events.',
  access: 'user',
  params: z.object({ user: userParam }),
  query: z.object({
    format: z.enum(['auto', 'mbox', 'maildir']).optional(),
    mboxFormat: z.enum(['mboxrd', 'mboxo']).optional(),
    mailbox: z.string().min(1).max(1024).optional().describe('folder for an mbox import (default INBOX)'),
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
        state: 'started',
      });
      let report;
      try {
        report = await importFile({
          store: deps.ctx.store,
          redis: deps.ctx.backends.redis,
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

export const mailIoRoutes: AnyRoute[] = [exportRoute, importRoute];
