// IMAP ENVELOPE (RFC 3501 §7.4.2, RFC 9051 §7.5.2), rendered as Dovecot renders it: raw header
// values (no encoded-word decoding), the last occurrence of a string field, the addresses of
// every occurrence of an address field, Sender and Reply-To falling back to From when absent
// or empty, NIL for what is missing.
import { envelopeAddressList } from './addresses.ts';
import type { HeaderIndex } from './headers.ts';
import { humanString, nstring } from './imap-string.ts';

export function buildEnvelope(h: HeaderIndex): string {
  const from = envelopeAddressList(h.all('from'));
  const subject = h.last('subject');
  return `(${[
    nstring(h.last('date')),
    subject === null ? 'NIL' : humanString(subject),
    from ?? 'NIL',
    envelopeAddressList(h.all('sender')) ?? from ?? 'NIL',
    envelopeAddressList(h.all('reply-to')) ?? from ?? 'NIL',
    envelopeAddressList(h.all('to')) ?? 'NIL',
    envelopeAddressList(h.all('cc')) ?? 'NIL',
    envelopeAddressList(h.all('bcc')) ?? 'NIL',
    nstring(h.last('in-reply-to')),
    nstring(h.last('message-id')),
  ].join(' ')})`;
}
