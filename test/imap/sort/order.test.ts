// SORT ordering (RFC 5256 §3, RFC 5957 §2) over prepared items.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sortIds, type SortItem } from '../../../server/imap/sort/order.ts';

const items: SortItem[] = [
  {
    id: 1,
    arrival: 300,
    date: 10,
    size: 500,
    subject: 'Re: beta',
    from: [{ name: 'Zed', address: 'ann@z.test' }],
    to: [{ name: '', address: 'bob@x.test' }],
  },
  {
    id: 2,
    arrival: 100,
    date: 30,
    size: 100,
    subject: 'alpha',
    from: [{ name: '', address: 'Carl@a.test' }],
    to: [{ name: 'Amy', address: 'zoe@x.test' }],
    cc: [{ name: '', address: 'x@y.test' }],
  },
  {
    id: 3,
    arrival: 200,
    date: 20,
    size: 500,
    subject: '[list] Beta',
    from: [{ name: 'Al', address: 'bea@b.test' }],
  },
];

const sortBy = (...keys: string[]) =>
  sortIds(
    items,
    keys.map((k) => ({ key: k.replace('-', '') as never, reverse: k.startsWith('-') })),
  );

test('each key alone, ties in mailbox order', () => {
  assert.deepEqual(sortBy('ARRIVAL'), [2, 3, 1]);
  assert.deepEqual(sortBy('DATE'), [1, 3, 2]);
  assert.deepEqual(sortBy('SIZE'), [2, 1, 3]);
  // base subjects: beta, alpha, Beta → alpha, then the two betas in mailbox order
  assert.deepEqual(sortBy('SUBJECT'), [2, 1, 3]);
  // addr-mailbox: ann, Carl, bea (case-insensitive) → ann, bea, Carl
  assert.deepEqual(sortBy('FROM'), [1, 3, 2]);
  // no To sorts first (empty string): 3, then bob, zoe
  assert.deepEqual(sortBy('TO'), [3, 1, 2]);
  assert.deepEqual(sortBy('CC'), [1, 3, 2]);
  // display names: Zed, (none → Carl@a.test), Al → Al, Carl@a.test, Zed
  assert.deepEqual(sortBy('DISPLAYFROM'), [3, 2, 1]);
  // DISPLAYTO: bob@x.test (no name), Amy → Amy, bob@x.test; no To first
  assert.deepEqual(sortBy('DISPLAYTO'), [3, 2, 1]);
});

test('REVERSE turns only the key after it; later keys break ties', () => {
  assert.deepEqual(sortBy('-ARRIVAL'), [1, 3, 2]);
  assert.deepEqual(sortBy('SIZE', 'DATE'), [2, 1, 3]);
  assert.deepEqual(sortBy('-SIZE', 'DATE'), [1, 3, 2]);
  assert.deepEqual(sortBy('-SIZE', '-DATE'), [3, 1, 2]);
  // the tie-break of equal keys stays mailbox order under REVERSE
  assert.deepEqual(sortBy('-SUBJECT'), [1, 3, 2]);
});
