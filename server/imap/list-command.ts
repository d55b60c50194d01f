// LIST and LSUB read the same arguments and answer in the same line format; they differ only in
// which mailboxes they name.
import { IMAP_MAX_LIST_PATTERN, IMAP_MAX_LIST_WILDCARDS } from '../limits.ts';
import { DELIMITER } from '../store/index.ts';
import { AUTHENTICATED, ok, type CommandSpec } from './command.ts';
import { mailboxName } from './format.ts';
import { ProtocolError } from './protocol/errors.ts';
import { astring, expectEnd } from './protocol/parse.ts';
import type { Token } from './protocol/reader.ts';
import type { ListEntry } from './mailbox-list.ts';
import type { Session } from './session.ts';

/** Picks the entries to answer with for a reference and mailbox pattern. */
export type SelectEntries = (session: Session, reference: string, pattern: string) => Promise<ListEntry[]>;

function readArgs(args: readonly Token[]): { reference: string; pattern: string } {
  const reference = astring(args[0], 'reference');
  const pattern = astring(args[1], 'mailbox pattern');
  expectEnd(args, 2);
  checkPattern(reference, pattern);
  return { reference, pattern };
}

/** The matcher is linear, but a client still may not make every LIST arbitrarily expensive. */
export function checkPattern(reference: string, pattern: string): void {
  const full = reference + pattern;
  if (full.length > IMAP_MAX_LIST_PATTERN)
    throw new ProtocolError(`Reference and pattern longer than ${IMAP_MAX_LIST_PATTERN} characters`);
  let wildcards = 0;
  for (const c of full) if (c === '*' || c === '%') wildcards++;
  if (wildcards > IMAP_MAX_LIST_WILDCARDS)
    throw new ProtocolError(`More than ${IMAP_MAX_LIST_WILDCARDS} wildcards in the pattern`);
}

export function listCommand(name: 'LIST' | 'LSUB', select: SelectEntries): CommandSpec {
  return {
    name,
    states: AUTHENTICATED,
    sync: 'all',
    async run({ session, args }) {
      const { reference, pattern } = readArgs(args);
      for (const e of await select(session, reference, pattern)) {
        session.out.untagged(`${name} (${e.attributes.join(' ')}) "${DELIMITER}" ${mailboxName(e.path)}`);
      }
      return ok(`${name} completed`);
    },
  };
}
