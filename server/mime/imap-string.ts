// IMAP string syntax for BODYSTRUCTURE and ENVELOPE (RFC 3501 §4.3, §9 "string"), following
// Dovecot's choices so clients see the same bytes: quoted when possible, a literal when the
// value has CR, LF, 8-bit characters or many quoted-specials.
const MAX_QUOTED_ESCAPES = 4;

function literal(s: string): string {
  return `{${Buffer.byteLength(s, 'utf8')}}\r\n${s}`;
}

function clean(s: string): string {
  return s.includes('\0') ? s.replace(/\0/g, '\ufffd') : s;
}

/** A string or NIL. */
export function nstring(value: string | null | undefined): string {
  if (value === null || value === undefined) return 'NIL';
  const s = clean(value);
  let escapes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) {
      if (++escapes > MAX_QUOTED_ESCAPES) return literal(s);
    } else if (c === 0x0d || c === 0x0a || c >= 0x80) {
      return literal(s);
    }
  }
  return `"${s.replace(/[\\"]/g, '\\$&')}"`;
}

/** Like nstring, with CR and LF removed first (values that came from unfolded headers). */
export function nstringNoLf(value: string | null | undefined): string {
  if (value === null || value === undefined) return 'NIL';
  return nstring(value.replace(/[\r\n]/g, ''));
}

/**
 * Text meant for people (subject, display names): runs of white space become one space,
 * leading and trailing space and line breaks go. Any change, quote or 8-bit character makes it
 * a literal, as Dovecot does.
 */
export function humanString(value: string): string {
  const s = clean(value);
  const squeezed = s
    .replace(/[\r\n]/g, '')
    .replace(/[ \t]+/g, ' ')
    .trim();
  if (squeezed === s && !/[\\"\u0080-\uffff]/.test(s)) return `"${s}"`;
  if (squeezed === '') return '""';
  return literal(squeezed);
}
