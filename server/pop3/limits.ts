// POP3 limits, each with its reason.

/**
 * Longest command line accepted. RFC 2449 §4 caps commands at 255 octets, but an AUTH PLAIN
 * initial response (RFC 5034 §4) with a long password is legitimately longer.
 */
export const MAX_LINE = 8192;

/** Commands read ahead of the one being executed (PIPELINING, RFC 2449 §6.6) before reading pauses. */
export const MAX_QUEUED = 100;

/** Unknown or malformed commands tolerated before the connection is closed. */
export const MAX_BAD_COMMANDS = 20;

/** Failed logins on one connection before it is closed (the per-user/IP limit is in Redis). */
export const MAX_AUTH_FAILURES = 3;

/** RFC 1939 §3: the inactivity autologout timer must be at least 10 minutes. */
export const IDLE_TIMEOUT_MS = 10 * 60 * 1000;

/* Connections in total and per client address, and the pre-login timeout: server/limits.ts. */

/* The maildrop lock is one of the store's locks (store/locks.ts): renewed while the session lives,
 * taken over at once from a process that died. */

/** How long close() lets running commands (a RETR, the UPDATE state) finish. */
export const CLOSE_GRACE_MS = 15 * 1000;
