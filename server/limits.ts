// Every protocol size limit of the server, each with its reason. Protocol readers import these;
// values that the config can override (message size) are only the defaults here.

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

// ---- POP3 ----

/** RFC 2449 §4 allows 255 octets per command, but SASL (RFC 5034) responses such as XOAUTH2
 * tokens are longer. */
export const POP3_MAX_LINE = 8 * KiB;

// ---- LMTP ----

/** RFC 5321 §4.5.3.1.8: at least 100 recipients per transaction must be accepted. */
export const LMTP_MAX_RECIPIENTS = 100;

/** Connections at once; one more is answered `421 4.7.0` and closed. An MTA opens a handful
 * (Postfix: 20 per destination by default), so 50 leaves room for a second MTA and retries, and
 * with LMTP_DATA_IN_MEMORY it bounds what DATA holds in memory to 12.5 MiB. */
export const LMTP_MAX_CONNECTIONS = 50;

/** Same as APPENDLIMIT, so whatever can be delivered can also be appended back. */
export const LMTP_MAX_MESSAGE_SIZE = IMAP_MAX_LITERAL;

/** DATA up to this size is held in memory while it arrives; a larger message goes to a file in
 * `<data>/spool/lmtp` and whatever passes the message size limit is only counted, then refused
 * 552 5.3.4. So the memory DATA takes is at most this per connection, whatever senders do. Most
 * mail is smaller; larger mail costs one more write and read of its bytes. */
export const LMTP_DATA_IN_MEMORY = 256 * KiB;

/** RFC 5321 §4.5.3.1.4 and §4.5.3.1.6 ask for 512 (command) and 1000 (text) octets; kept larger
 * for senders that do not fold long header lines. */
export const LMTP_MAX_LINE = 4 * KiB;

// ---- HTTP API ----

/** JSON request bodies; whole messages are uploaded as raw bodies limited by the message size. */
export const API_MAX_JSON_BODY = 1 * MiB;
