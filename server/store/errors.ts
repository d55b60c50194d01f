// One error class for every refusal the store makes; callers map `code` to protocol responses
// (IMAP [OVERQUOTA] / [NONEXISTENT] / [ALREADYEXISTS] / [CANNOT], LMTP 552, HTTP 4xx).
export type StoreErrorCode =
  | 'OVERQUOTA' // the user's quota would be exceeded; nothing was stored
  | 'NOUSER' // no such user
  | 'NOMAILBOX' // no such mailbox
  | 'NOMESSAGE' // no such message
  | 'EXISTS' // username, address or mailbox path already taken
  | 'CANNOT' // operation not allowed (delete INBOX, rename onto itself…)
  | 'INVALID' // malformed input (username, address, path, flag)
  | 'DISABLED' // the account is disabled
  | 'RELAY_REQUIRED'; // a forwarding filter or an autoreply needs an SMTP relay, and none is set

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string) {
    super(message);
    this.name = 'StoreError';
    this.code = code;
  }
}

export function isStoreError(err: unknown, code?: StoreErrorCode): err is StoreError {
  return err instanceof StoreError && (code === undefined || err.code === code);
}

/** MongoDB duplicate-key error (E11000), as raised by MongoDB and FerretDB. */
export function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}
