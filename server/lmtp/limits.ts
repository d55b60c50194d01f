// LMTP limits, each with its reason.

/** Recipients per transaction (RFC 5321 §4.5.3.1.8 asks for at least 100); more get 452 4.5.3. */
export const MAX_RECIPIENTS = 100;

/** Idle time before a connection is dropped, so a stalled client frees its slot (RFC 5321 §4.5.3.2 uses minutes). */
export const SOCKET_TIMEOUT_MS = 5 * 60 * 1000;

/** How long close() waits for in-flight deliveries before cutting connections. */
export const CLOSE_GRACE_MS = 30 * 1000;

/** Recipients of one transaction stored at the same time. */
export const DELIVERY_CONCURRENCY = 4;

/** Header block bytes examined for filters and autoreply rules. */
export const MAX_HEADER_SCAN = 256 * 1024;

/** Vacation: one reply per sender per this interval (RFC 3834 §2 suggests days, not minutes). */
export const AUTOREPLY_INTERVAL_S = 4 * 24 * 3600;

/** Relay connection and send timeouts for forwards and vacation replies. */
export const RELAY_TIMEOUT_MS = 30 * 1000;

/** Forwarding stops when a message already carries this many Delivered-To headers (loop guard). */
export const MAX_HOPS = 20;
