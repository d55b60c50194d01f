// Address fields rendered for the IMAP ENVELOPE and decoded for search and the API.
import { parseAddressList } from './address-parser.ts';
import { decodeWords } from './decoded-headers.ts';
import type { ParsedAddress } from './address-parser.ts';
import { humanString, nstring } from './imap-string.ts';
import type { AddressValue } from './types.ts';

function envelopeAddress(a: ParsedAddress): string {
  const name = a.name === null || a.name === '' ? 'NIL' : humanString(a.name);
  return `(${name} ${nstring(a.route === null ? null : a.route)} ${nstring(a.mailbox)} ${nstring(a.domain)})`;
}

/**
 * RFC 3501 §7.4.2 address list, or null when the field holds no address (the caller then
 * writes NIL or falls back to From). Groups: (NIL NIL "name" NIL) members (NIL NIL NIL NIL).
 */
export function envelopeAddressList(values: string[]): string | null {
  const items = values.flatMap((v) => parseAddressList(v));
  if (items.length === 0) return null;
  let out = '';
  for (const item of items) {
    if ('group' in item) {
      out += `(NIL NIL ${nstring(item.group)} NIL)`;
      out += item.members.map(envelopeAddress).join('');
      out += '(NIL NIL NIL NIL)';
    } else out += envelopeAddress(item);
  }
  return `(${out})`;
}

function plainAddress(a: ParsedAddress): AddressValue {
  const mailbox = a.mailbox === 'MISSING_MAILBOX' ? '' : a.mailbox;
  const domain = a.domain === 'MISSING_DOMAIN' || a.domain === 'SYNTAX_ERROR' ? '' : a.domain;
  return {
    name: decodeWords(a.name ?? '').trim(),
    address: (domain ? `${mailbox}@${domain}` : mailbox).replace(/\0/g, ''),
  };
}

/** Addresses for search and the API: groups flattened, names decoded. */
export function decodedAddresses(raw: string | null): AddressValue[] {
  if (raw === null) return [];
  return parseAddressList(raw).flatMap((item) =>
    'group' in item ? item.members.map(plainAddress) : [plainAddress(item)],
  );
}
