// SORT's ordering (RFC 5256 §3 and RFC 5957 §2): sort keys computed once per message, compared
// key by key, ties left in mailbox order.
import type { MailAddress } from '../../store/index.ts';
import { baseSubject, compareCasemap } from './base-subject.ts';

export type SortKey =
  'ARRIVAL' | 'CC' | 'DATE' | 'FROM' | 'SIZE' | 'SUBJECT' | 'TO' | 'DISPLAYFROM' | 'DISPLAYTO';
export const SORT_KEYS: readonly SortKey[] = [
  'ARRIVAL',
  'CC',
  'DATE',
  'FROM',
  'SIZE',
  'SUBJECT',
  'TO',
  'DISPLAYFROM',
  'DISPLAYTO',
];

export interface SortCriterion {
  key: SortKey;
  reverse: boolean;
}

/** What the keys are computed from; `id` is the number reported (message number or UID), and
 * ascending `id` is mailbox order. */
export interface SortItem {
  id: number;
  /** Internal date, ms. */
  arrival: number;
  /** Date: header in UTC, ms (the internal date when it is missing or unparsable). */
  date: number;
  size: number;
  subject?: string;
  from?: readonly MailAddress[];
  to?: readonly MailAddress[];
  cc?: readonly MailAddress[];
}

/** Keys that need the message document (subject, addresses); the others come from the index. */
export function needsDocument(criteria: readonly SortCriterion[]): boolean {
  return criteria.some((c) => !['ARRIVAL', 'DATE', 'SIZE'].includes(c.key));
}

/** RFC 5256 §3: the addr-mailbox (local part) of the first address; empty when there is none. */
function mailboxPart(list: readonly MailAddress[] | undefined): string {
  const a = list?.[0]?.address ?? '';
  const at = a.lastIndexOf('@');
  return at < 0 ? a : a.slice(0, at);
}

/** RFC 5957 §2: the display name of the first address, or its addr-spec when it has none. */
function displayPart(list: readonly MailAddress[] | undefined): string {
  const first = list?.[0];
  if (!first) return '';
  const name = first.name.trim();
  return name !== '' ? name : first.address;
}

function keyValue(item: SortItem, key: SortKey): number | string {
  switch (key) {
    case 'ARRIVAL':
      return item.arrival;
    case 'DATE':
      return item.date;
    case 'SIZE':
      return item.size;
    case 'SUBJECT':
      return baseSubject(item.subject ?? '').base;
    case 'FROM':
      return mailboxPart(item.from);
    case 'TO':
      return mailboxPart(item.to);
    case 'CC':
      return mailboxPart(item.cc);
    case 'DISPLAYFROM':
      return displayPart(item.from);
    case 'DISPLAYTO':
      return displayPart(item.to);
  }
}

function compareValues(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return compareCasemap(String(a), String(b));
}

/** The ids in sort order. RFC 5256 §3: messages equal under every key stay in mailbox order, and
 * REVERSE turns only the key that follows it (never that tie-break). */
export function sortIds(items: readonly SortItem[], criteria: readonly SortCriterion[]): number[] {
  const rows = items.map((item) => ({ id: item.id, keys: criteria.map((c) => keyValue(item, c.key)) }));
  rows.sort((x, y) => {
    for (let i = 0; i < criteria.length; i++) {
      const d = compareValues(x.keys[i]!, y.keys[i]!);
      if (d !== 0) return criteria[i]!.reverse ? -d : d;
    }
    return x.id - y.id;
  });
  return rows.map((r) => r.id);
}
