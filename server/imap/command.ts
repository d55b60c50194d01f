// What a command module declares (Dovecot's imap-commands.c / Mox's rule as data): its name, the
// states it is valid in, and what untagged updates may precede its tagged reply.
import type { Token } from './protocol/reader.ts';
import type { ResponseCode } from './protocol/response.ts';
import type { Session } from './session.ts';
import type { SyncRule } from './selected.ts';

export type SessionState = 'not-authenticated' | 'authenticated' | 'selected' | 'logout';

export const ANY: readonly SessionState[] = ['not-authenticated', 'authenticated', 'selected'];
export const AUTHENTICATED: readonly SessionState[] = ['authenticated', 'selected'];
export const SELECTED: readonly SessionState[] = ['selected'];
export const NOT_AUTHENTICATED: readonly SessionState[] = ['not-authenticated'];

export interface Reply {
  status: 'OK' | 'NO' | 'BAD';
  /** Response code (RFC 3501 §7.1, RFC 5530), written in brackets before the text. */
  code?: ResponseCode;
  text: string;
}

export interface CommandCall {
  session: Session;
  tag: string;
  /** Upper-case command name (without `UID`). */
  name: string;
  /** Sent as `UID <name>`. */
  uid: boolean;
  /** The arguments after the command name, as the reader tokenized them. */
  args: readonly Token[];
}

export interface CommandSpec {
  name: string;
  states: readonly SessionState[];
  /** Untagged updates allowed before the tagged reply. */
  sync: SyncRule;
  /** For commands with a UID form: its rule (RFC 3501 §7.4.1 treats UID FETCH/STORE/SEARCH apart). */
  uidSync?: SyncRule;
  /** Read the journal even without a beacon (NOOP, CHECK: the client asks for news). */
  forceSync?: boolean;
  run(call: CommandCall): Promise<Reply>;
}

export function ok(text: string, code?: ResponseCode): Reply {
  return code ? { status: 'OK', code, text } : { status: 'OK', text };
}

export function no(text: string, code?: ResponseCode): Reply {
  return code ? { status: 'NO', code, text } : { status: 'NO', text };
}

export function bad(text: string): Reply {
  return { status: 'BAD', text };
}
