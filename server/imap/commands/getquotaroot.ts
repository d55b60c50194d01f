// GETQUOTAROOT (RFC 9208 §4.1.2): the quota roots of a mailbox and their QUOTA responses.
import { AUTHENTICATED, no, ok, type CommandSpec } from '../command.ts';
import { mailboxName } from '../format.ts';
import { readMailbox } from '../mailbox-names.ts';
import { expectEnd } from '../protocol/parse.ts';
import { QUOTA_ROOT, quotaResponse } from '../quota.ts';

export const getquotaroot: CommandSpec = {
  name: 'GETQUOTAROOT',
  states: AUTHENTICATED,
  sync: 'all',
  async run({ session, args }) {
    const path = readMailbox(args[0]);
    expectEnd(args, 1);
    const box = await session.store.mailboxes.get(session.userId, path);
    if (!box) return no('No such mailbox', 'NONEXISTENT');
    const quota = await quotaResponse(session);
    // RFC 9208 §4.1.2: a mailbox under no quota has a QUOTAROOT response naming no root
    session.out.untagged(`QUOTAROOT ${mailboxName(box.path)}${quota ? ` ${QUOTA_ROOT}` : ''}`);
    if (quota) session.out.untagged(quota);
    return ok('GETQUOTAROOT completed');
  },
};
