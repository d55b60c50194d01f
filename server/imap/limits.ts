// Session limits of the IMAP service, each with its reason. Message size comes from the config
// (config.maxMessageSize, advertised as APPENDLIMIT).

// The protocol-wide limits live in server/limits.ts; these are the IMAP session's own.
import {
  IMAP_MAX_AUTH_ATTEMPTS,
  IMAP_MAX_BAD_COMMANDS,
  IMAP_MAX_COMMAND_TEXT,
  IMAP_MAX_DISCARD,
  IMAP_MAX_LINE,
} from '../limits.ts';

export const MAX_LINE = IMAP_MAX_LINE;
export const MAX_COMMAND = IMAP_MAX_COMMAND_TEXT;
export const MAX_DISCARD = IMAP_MAX_DISCARD;
export const MAX_CONSECUTIVE_ERRORS = IMAP_MAX_BAD_COMMANDS;
export const MAX_AUTH_FAILURES = IMAP_MAX_AUTH_ATTEMPTS;
/** Literals other than APPEND's message (search strings, mailbox names, passwords). */
export const MAX_SMALL_LITERAL = 256 * 1024;
/** Before login nobody needs more than a password-sized literal. */
export const MAX_PREAUTH_LITERAL = 8 * 1024;
/** Input buffered ahead of the command being run; above it the socket is paused (TCP backpressure). */
export const INPUT_HIGH_WATER = 64 * 1024;

/** RFC 3501 §5.4: at least 30 minutes once authenticated; IDLE restarts it. */
export const AUTOLOGOUT_AUTHENTICATED_MS = 30 * 60 * 1000;
/* Before login: the absolute PRELOGIN_TIMEOUT_MS of server/limits.ts (ctx.connectionLimits). */
/** While IDLE the journal is read this often even without a beacon (a lost beacon only delays). */
export const IDLE_POLL_MS = 30 * 1000;
/* A gap in the journal is never waited out or skipped: sync reads the mailbox index, which reads
 * the journal up to the mailbox's MODSEQ or rebuilds from the messages (docs/ARCHITECTURE.md §3). */
/** Shutdown: in-flight commands get this long before their connections are cut. */
export const SHUTDOWN_GRACE_MS = 10 * 1000;
/** Messages a FETCH of bodies reads ahead of the one it writes: hides round trips, while at most
 * this many message trees (attachment bodies stay in GridFS until written) are held per session. */
export const FETCH_READ_AHEAD = 8;
/** Live searches (RFC 5267 §4.3 UPDATE) a session may keep at once: each is evaluated again on the
 * mailbox index whenever the mailbox changes, and keeps the UIDs matching each of its content keys,
 * so their number bounds the work and memory a client can make every change cost. A search over
 * the limit is answered, and its tagged OK says `[NOUPDATE "tag"]`. */
export const MAX_SEARCH_CONTEXTS = 16;
