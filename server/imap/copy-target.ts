// What COPY and MOVE share: `sequence-set SP mailbox`, the UIDs it names, and the target mailbox
// (missing → NO [TRYCREATE], RFC 3501 §6.4.7); and the COPYUID code of RFC 4315 §3.
import { no, type CommandCall, type Reply } from './command.ts';
import { readMailbox } from './mailbox-names.ts';
import { expectEnd, sequenceSet } from './protocol/parse.ts';
import type { ResponseCode } from './protocol/response.ts';
import type { CopyResult, UidSet } from '../store/index.ts';
import type { SelectedMailbox } from './selected.ts';

export interface CopyTarget {
  box: SelectedMailbox;
  uids: UidSet;
  target: { id: string };
}

/** Parses the arguments and finds the target; a Reply when the command must stop here. */
export async function resolveCopyTarget(
  { session, args, uid }: CommandCall,
  opts: { writable?: boolean } = {},
): Promise<CopyTarget | Reply> {
  const set = sequenceSet(args[0]);
  const path = readMailbox(args[1]);
  expectEnd(args, 2);
  const box = session.selected!;
  // RFC 6851 §3.3: MOVE expunges from the source, which a read-only mailbox forbids
  if (opts.writable && box.readOnly) return no('Mailbox is read-only', 'READ-ONLY');
  const uids = uid ? box.uidRanges(set) : box.seqToUids(set);
  const id = await session.store.mailboxes.idOf(session.userId, path);
  if (!id) return no('No such mailbox', 'TRYCREATE');
  return { box, uids, target: { id } };
}

export function isReply(x: CopyTarget | Reply): x is Reply {
  return 'status' in x;
}

/** `COPYUID <uidvalidity> <source set> <target set>` (RFC 4315 §3), pairs in source order. */
export function copyUidCode(res: CopyResult): ResponseCode {
  return {
    code: 'COPYUID',
    uidValidity: res.uidValidity,
    source: res.map.map((x) => x.source),
    dest: res.map.map((x) => x.target),
  };
}
