// Header values for people: RFC 2047 encoded words decoded, for the header fields, subject,
// address names and filenames the store keeps for SEARCH and the API.
import libmime from 'libmime';
import type { HeaderIndex } from './headers.ts';
import type { HeaderValue } from './types.ts';

/** RFC 2047 encoded words decoded (NUL made U+FFFD); the value as it is when they cannot be. */
export function decodeWords(value: string): string {
  try {
    return libmime.decodeWords(value).replace(/\0/g, '\ufffd');
  } catch {
    return value;
  }
}

/** Every field of a header, in order: lower-case name, unfolded value decoded and trimmed. */
export function decodedFields(header: HeaderIndex): HeaderValue[] {
  return header.fields.map((f) => ({ key: f.lower, value: decodeWords(f.value).trim() }));
}
