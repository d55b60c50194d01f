// Modified UTF-7 for mailbox names (RFC 3501 §5.1.3): printable US-ASCII stands for itself, `&` is
// written `&-`, everything else is UTF-16BE in base64 with `,` for `/`, between `&` and `-`.
import { ProtocolError } from './errors.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,';
const VALUE = new Map<string, number>([...ALPHABET].map((c, i) => [c, i]));

const isDirect = (code: number): boolean => code >= 0x20 && code <= 0x7e;

/** Encodes a mailbox name; throws ProtocolError on a lone surrogate (not valid UTF-16). */
export function encodeMutf7(name: string): string {
  let out = '';
  let units: number[] = [];
  const flush = (): void => {
    if (units.length === 0) return;
    const bytes = Buffer.alloc(units.length * 2);
    units.forEach((u, i) => bytes.writeUInt16BE(u, i * 2));
    out += '&' + bytes.toString('base64').replace(/=+$/, '').replace(/\//g, ',') + '-';
    units = [];
  };
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (isDirect(code)) {
      flush();
      out += code === 0x26 ? '&-' : name[i];
      continue;
    }
    if (code >= 0xd800 && code <= 0xdbff) {
      const low = name.charCodeAt(i + 1);
      if (!(low >= 0xdc00 && low <= 0xdfff)) throw new ProtocolError('Invalid mailbox name (lone surrogate)');
      units.push(code, low);
      i++;
      continue;
    }
    if (code >= 0xdc00 && code <= 0xdfff) throw new ProtocolError('Invalid mailbox name (lone surrogate)');
    units.push(code);
  }
  flush();
  return out;
}

/** Decodes a mailbox name; throws ProtocolError on anything RFC 3501 §5.1.3 does not allow:
 * non-ASCII or control bytes, an unterminated or badly padded shift, base64 that encodes printable
 * ASCII, odd byte counts, broken surrogate pairs, or two shifts back to back. */
export function decodeMutf7(text: string): string {
  let out = '';
  let i = 0;
  let lastShiftEnd = -1;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (!isDirect(code)) throw new ProtocolError('Invalid mailbox name (not modified UTF-7)');
    if (code !== 0x26) {
      out += text[i];
      i++;
      continue;
    }
    const end = text.indexOf('-', i + 1);
    if (end < 0) throw new ProtocolError('Invalid mailbox name (unterminated &)');
    if (end === i + 1) {
      out += '&';
      i = end + 1;
      continue;
    }
    // A shift right after another one should have been a single shift.
    if (lastShiftEnd === i) throw new ProtocolError('Invalid mailbox name (adjacent shifts)');
    let bits = 0;
    let acc = 0;
    const units: number[] = [];
    for (let j = i + 1; j < end; j++) {
      const v = VALUE.get(text[j]!);
      if (v === undefined) throw new ProtocolError('Invalid mailbox name (bad base64)');
      acc = (acc << 6) | v;
      bits += 6;
      if (bits >= 16) {
        bits -= 16;
        units.push((acc >> bits) & 0xffff);
        acc &= (1 << bits) - 1;
      }
    }
    // RFC 3501 §5.1.3: no padding; leftover bits must be fewer than 6 and zero.
    if (bits >= 6 || acc !== 0 || units.length === 0) {
      throw new ProtocolError('Invalid mailbox name (bad base64 length)');
    }
    for (let k = 0; k < units.length; k++) {
      const u = units[k]!;
      if (isDirect(u)) throw new ProtocolError('Invalid mailbox name (encoded ASCII)');
      if (u >= 0xd800 && u <= 0xdbff) {
        const low = units[k + 1];
        if (low === undefined || low < 0xdc00 || low > 0xdfff) {
          throw new ProtocolError('Invalid mailbox name (broken surrogate pair)');
        }
        out += String.fromCharCode(u, low);
        k++;
        continue;
      }
      if (u >= 0xdc00 && u <= 0xdfff) throw new ProtocolError('Invalid mailbox name (broken surrogate pair)');
      out += String.fromCharCode(u);
    }
    i = end + 1;
    lastShiftEnd = i;
  }
  return out;
}
