// The keywords a mailbox has seen, kept on its document so SELECT can list them in FLAGS and
// PERMANENTFLAGS (RFC 3501 §7.2.6). Writers that set flags call noteKeywords with the mailbox
// document they read under the mailbox lock, so the read-modify-write here is not raced.
import type { Ctx } from './context.ts';
import type { MailboxDoc } from './docs.ts';
import { IMAP_MAX_MAILBOX_KEYWORDS } from '../limits.ts';

/** Adds the keywords among `flags` the mailbox does not list yet (case-insensitively, RFC 3501
 * §2.3.2). The caller holds the mailbox lock; `box` is the document as read under it. */
export async function noteKeywords(
  ctx: Ctx,
  box: Pick<MailboxDoc, '_id' | 'keywords'>,
  flags: Iterable<string>,
): Promise<void> {
  const known = box.keywords ?? [];
  if (known.length >= IMAP_MAX_MAILBOX_KEYWORDS) return;
  const seen = new Set(known.map((k) => k.toLowerCase()));
  const added: string[] = [];
  for (const f of flags) {
    const lower = f.toLowerCase();
    if (f.startsWith('\\') || seen.has(lower)) continue;
    seen.add(lower);
    added.push(f);
  }
  if (added.length === 0) return;
  const keywords = [...known, ...added].slice(0, IMAP_MAX_MAILBOX_KEYWORDS);
  await ctx.mailboxes.updateOne({ _id: box._id }, { $set: { keywords } });
}
