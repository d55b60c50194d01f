// Limits shared across protocols or set by the server as a whole (connections, logins, literal
// and line sizes of IMAP), each with its reason. Limits of one protocol alone live beside it in
// server/pop3/limits.ts, server/lmtp/limits.ts and server/imap/limits.ts; values the config can
// override (message size) are only the defaults here.

const KiB = 1024;
const MiB = 1024 * KiB;

// ---- IMAP ----

/** A command line between literals. RFC 7162 §4 asks servers to take at least 8192 octets; long
 * UID sets from clients that keep fragmented selections need more, and 64 KiB is what Dovecot
 * accepts too. Longer lines are discarded unbuffered and answered BAD. */
export const IMAP_MAX_LINE = 64 * KiB;

/** All line text of one command (the parts around its literals): a command may continue over many
 * literals, and this bounds what is held while it is read. */
export const IMAP_MAX_COMMAND_TEXT = 1 * MiB;

/** Largest literal, advertised as APPENDLIMIT (RFC 7889). A 50 MB attachment grows by a third in
 * base64; 64 MiB holds it with headers. The config may change it. */
export const IMAP_MAX_LITERAL = 64 * MiB;

/** A refused non-synchronising literal (RFC 7888 §4) must be read and thrown away; beyond this many
 * bytes the connection is closed instead, so nobody can make us read without end. */
export const IMAP_MAX_DISCARD = 128 * MiB;

/** Parenthesised lists (and NOT/OR search keys) nested deeper than this are refused: no real
 * command nests more than a few levels, and the parsers recurse, so it also bounds the stack. */
export const IMAP_MAX_DEPTH = 16;

/** BAD answers in a row before `* BYE`: a peer that speaks no IMAP (or fuzzes) gets cut off. */
export const IMAP_MAX_BAD_COMMANDS = 20;

/** Failed LOGIN/AUTHENTICATE on one connection before `* BYE`; the per-user and per-IP rate limit
 * in Redis applies as well. */
export const IMAP_MAX_AUTH_ATTEMPTS = 3;

/** Strings up to this length are written quoted, longer ones as literals (RFC 3501 §4.3): keeps
 * response lines short for clients with small line buffers. */
export const IMAP_MAX_QUOTED = 1 * KiB;

/** LIST/LSUB reference + pattern, in characters: a mailbox path is at most 1024 bytes, so a longer
 * pattern can match nothing a wildcard-free one could not; matching costs name × pattern. */
export const IMAP_MAX_LIST_PATTERN = 1 * KiB;

/** Wildcards (`*`, `%`) in one LIST/LSUB pattern: real clients send one or two. */
export const IMAP_MAX_LIST_WILDCARDS = 32;

/** Patterns in one extended LIST (RFC 5258 §3): each costs a match over every mailbox name, and
 * clients send a handful (one per namespace or special folder). */
export const IMAP_MAX_LIST_PATTERNS = 32;

/** Messages in one APPEND (RFC 3502 MULTIAPPEND): each is a store write under the mailbox lock and
 * is undone if a later one fails, so a command may not grow without end; a client uploading a
 * folder sends a few dozen at a time. Their bytes together stay within the APPENDLIMIT, since the
 * whole command is held in memory until its last literal has arrived. */
export const IMAP_MAX_APPEND_MESSAGES = 1000;

/** Parts of one CATENATE message (RFC 4469): each URL part is a message read from the store, so
 * their number bounds the reads one command causes; a forwarded draft has a handful. The parts
 * together stay within the APPENDLIMIT like any message. */
export const IMAP_MAX_CATENATE_PARTS = 100;

/** Keywords a mailbox lists in FLAGS and PERMANENTFLAGS at SELECT: the list lives in the mailbox
 * document and goes out with every SELECT. Keywords past it are still stored on messages and
 * announced to a session when it first sees them. */
export const IMAP_MAX_MAILBOX_KEYWORDS = 512;

/** References of one message that THREAD=REFERENCES links (the nearest ones, RFC 5256 §3 step
 * 1A): a References field can name thousands of ids, and each link walks the ancestors to avoid
 * loops; real threads are far shallower. */
export const IMAP_THREAD_MAX_REFERENCES = 64;

/** Depth of a thread THREAD=REFERENCES builds: a link that would hang a message deeper is not
 * made (the message starts a thread of its own), so the loop check per link stays bounded. Real
 * discussions are a few dozen replies deep. */
export const IMAP_THREAD_MAX_DEPTH = 256;

// ---- POP3 ----

// ---- LMTP ----

/** Connections at once; one more is answered `421 4.7.0` and closed. An MTA opens a handful
 * (Postfix: 20 per destination by default), so 50 leaves room for a second MTA and retries, and
 * with LMTP_DATA_IN_MEMORY it bounds what DATA holds in memory to 12.5 MiB. */
export const LMTP_MAX_CONNECTIONS = 50;

/** DATA up to this size is held in memory while it arrives; a larger message goes to a file in
 * `<data>/spool/lmtp` and whatever passes the message size limit is only counted, then refused
 * 552 5.3.4. So the memory DATA takes is at most this per connection, whatever senders do. Most
 * mail is smaller; larger mail costs one more write and read of its bytes. */
export const LMTP_DATA_IN_MEMORY = 256 * KiB;

// ---- HTTP API ----

// ---- Logins and connections (IMAP, POP3, the API's /authenticate) ----

/** Failed logins per account (by username or any of its addresses alike) within the window, after
 * which the account is locked until the window ends: 10 guesses per 15 minutes, however many
 * aliases it has. */
export const AUTH_MAX_FAILURES_PER_ACCOUNT = 10;

/** Failed logins per client address (unknown logins included) within the window: one address that
 * guesses across many accounts is locked out as well. A household behind one NAT stays far below. */
export const AUTH_MAX_FAILURES_PER_IP = 30;

/** The window starts at the first failure and is not extended by later ones. */
export const AUTH_FAILURE_WINDOW_SECONDS = 15 * 60;

/** Failures that cost nothing (typos); each one beyond makes the next attempt wait, doubling from
 * AUTH_BACKOFF_BASE_MS up to AUTH_BACKOFF_MAX_MS. A client address gets more free failures than an
 * account, since several people may share it. */
export const AUTH_BACKOFF_AFTER_ACCOUNT = 3;
export const AUTH_BACKOFF_AFTER_IP = 10;
export const AUTH_BACKOFF_BASE_MS = 1000;
export const AUTH_BACKOFF_MAX_MS = 60 * 1000;

/** Before login a connection only has to say who it is: it is closed this long after it was
 * opened, however busy it keeps itself (IMAP not-authenticated, POP3 AUTHORIZATION). */
export const PRELOGIN_TIMEOUT_MS = 60 * 1000;

/** IMAP connections per process in total and per client address (IPv6: per /64). A mail client
 * opens up to 5 per account; 50 leaves room for a household behind one NAT address. The total is
 * twice the 1 000 idle connections of the IMAP benchmark (about 15 KB each there, so some 30 MB
 * in all). Over a limit the connection gets
 * `* BYE [UNAVAILABLE]` and is closed. */
export const IMAP_MAX_CONNECTIONS = 2000;
export const IMAP_MAX_CONNECTIONS_PER_IP = 50;

/** POP3 connections per process in total and per client address: one session per maildrop at a
 * time (RFC 1939 §8), so few are needed. Over a limit: `-ERR [SYS/TEMP]` and closed. */
export const POP3_MAX_CONNECTIONS = 500;
export const POP3_MAX_CONNECTIONS_PER_IP = 20;
