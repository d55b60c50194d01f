// Content-Transfer-Encoding (RFC 2045 §6): the one place bodies are decoded, for the search text,
// the LMTP filters, IMAP BINARY and the API's attachment downloads alike.

// RFC 2045 §6.7 quoted-printable: `=XX` is a byte, `=` at the end of a line is a soft line break
// (bare LF accepted too); a `=` followed by anything else is kept as it is (rule 1 leaves that to
// the decoder; keeping it loses nothing).
function decodeQuotedPrintable(buf: Buffer): Buffer {
  const out = Buffer.alloc(buf.length);
  let n = 0;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i]!;
    if (c !== 0x3d) {
      out[n++] = c;
      continue;
    }
    const a = buf[i + 1];
    const b = buf[i + 2];
    if (a === 0x0d && b === 0x0a) i += 2;
    else if (a === 0x0a) i += 1;
    else {
      const hex = a !== undefined && b !== undefined ? String.fromCharCode(a, b) : '';
      if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
        out[n++] = parseInt(hex, 16);
        i += 2;
      } else out[n++] = c;
    }
  }
  return out.subarray(0, n);
}

// RFC 2045 §6.8 base64: characters outside the alphabet are ignored, and `=` means the data has
// ended, so whatever follows the first one is not decoded.
function decodeBase64(buf: Buffer): Buffer {
  const text = buf.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, '');
  const end = text.indexOf('=');
  return Buffer.from(end < 0 ? text : text.slice(0, end), 'base64');
}

/** The body with its transfer encoding undone; identity and unknown encodings give it back as it is. */
export function decodeTransfer(body: Buffer, encoding: string | null): Buffer {
  switch ((encoding ?? '').toLowerCase()) {
    case 'base64':
      return decodeBase64(body);
    case 'quoted-printable':
      return decodeQuotedPrintable(body);
    default:
      return body;
  }
}
