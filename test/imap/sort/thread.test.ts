// THREAD=ORDEREDSUBJECT and THREAD=REFERENCES (RFC 5256 §3) and the thread-list text (§4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatThreads,
  orderedSubject,
  references,
  type ThreadMessage,
} from '../../../server/imap/sort/thread.ts';

function msg(
  id: number,
  date: number,
  subject: string,
  messageId: string | null,
  refs: string[] = [],
  inReplyTo: string | null = null,
): ThreadMessage {
  return { id, date, subject, messageId, references: refs, inReplyTo };
}

const MAILBOX = [
  msg(1, 100, 'Meeting', '<1@x>'),
  msg(2, 200, 'Re: Meeting', '<2@x>', ['<1@x>']),
  msg(3, 300, 'Re: Meeting', '<3@x>', ['<1@x>', '<2@x>']),
  msg(4, 250, 'RE: meeting', '<4@x>', ['<1@x>']),
  msg(5, 50, 'Lunch', '<5@x>'),
  msg(6, 400, 'Re: Party', '<6@x>', [], '<missing@x>'),
  msg(7, 350, 'Re: Party', '<7@x>', [], '<missing@x>'),
  msg(8, 500, 'Re: Lunch', '<8@x>'),
  msg(9, 600, 'Meeting', null),
];

test('ORDEREDSUBJECT: one thread per base subject, children flat in date order', () => {
  assert.equal(formatThreads(orderedSubject(MAILBOX)), '(5 8)(1 (2)(4)(3)(9))(7 6)');
  assert.equal(formatThreads(orderedSubject([])), '');
});

test('REFERENCES: parents from References/In-Reply-To, dummies, subject merging, date order', () => {
  // 8 joins 5 (a reply to the same subject); 1 and 9 share a subject and neither is a reply,
  // so a dummy holds both; 6 and 7 answer a message that is missing, so a dummy holds them
  assert.equal(formatThreads(references(MAILBOX)), '(5 8)((1 (2 3)(4))(9))((7)(6))');
});

test('REFERENCES: loops are not made, duplicate Message-IDs stand alone, the last reference wins', () => {
  // 10 refers to 11 and 11 to 10: only the first link is made
  assert.equal(
    formatThreads(references([msg(10, 1, 'a', '<a>', ['<b>']), msg(11, 2, 'b', '<b>', ['<a>'])])),
    '(11 10)',
  );
  // the second <d> is a different message
  assert.equal(formatThreads(references([msg(1, 1, 'x', '<d>'), msg(2, 2, 'y', '<d>')])), '(1)(2)');
  // links from an earlier message's References are kept; 3 and 4 both hang under 2
  const chain = [
    msg(1, 1, 'q', '<r>'),
    msg(2, 2, 'Re: q', '<m>', ['<r>']),
    msg(3, 3, 'Re: q', '<n>', ['<r>', '<m>']),
    msg(4, 4, 'Re: q', '<o>', ['<m>']),
  ];
  assert.equal(formatThreads(references(chain)), '(1 2 (3)(4))');
  // In-Reply-To is used only without References; a message referring to itself has no parent
  assert.equal(
    formatThreads(references([msg(1, 1, 's', '<s>'), msg(2, 2, 't', '<t>', ['<t>'], '<s>')])),
    '(1)(2)',
  );
  // 2's References hang <x> under <p>; <x> itself names <q> as its parent, and that wins (1B)
  const moved = [
    msg(1, 1, 'one', '<p>'),
    msg(2, 2, 'two', '<a>', ['<p>', '<x>']),
    msg(3, 3, 'three', '<x>', ['<q>']),
    msg(4, 4, 'four', '<q>'),
  ];
  assert.equal(formatThreads(references(moved)), '(1)(4 3 2)');
  assert.equal(formatThreads(references([msg(1, 1, 's', '<s>'), msg(2, 2, 't', '<t>', [], '<s>')])), '(1 2)');
});

test('REFERENCES: a dummy with one child at the top is replaced by the child', () => {
  assert.equal(formatThreads(references([msg(3, 5, 'Re: gone', '<c>', ['<gone>'])])), '(3)');
});

test('REFERENCES: threads stop at the depth limit; only the nearest references are linked', () => {
  // a spine of 255 messages, each with one leaf answer: as deep as a thread may get
  const n = 255;
  const list: ThreadMessage[] = [];
  for (let i = 1; i <= n; i++) {
    list.push(msg(2 * i - 1, 2 * i - 1, 't', `<s${i}>`, i > 1 ? [`<s${i - 1}>`] : []));
    list.push(msg(2 * i, 2 * i, 't', `<l${i}>`, [`<s${i}>`]));
  }
  let want = '';
  for (let i = 1; i < n; i++) want += `${2 * i - 1} (${2 * i})(`;
  want += `${2 * n - 1} ${2 * n}` + ')'.repeat(n - 1);
  assert.equal(formatThreads(references(list)), `(${want})`);
  // one more level: the leaf that would be 257th in line starts its own thread; a longer spine
  // breaks into threads of at most 256
  list.push(msg(2 * n + 1, 2 * n + 1, 'u', '<deeper>', [`<l${n}>`]));
  assert.equal(formatThreads(references(list)), `(${want})(${2 * n + 1})`);
  const spine = Array.from({ length: 600 }, (_, i) =>
    msg(i + 1, i + 1, `v${i}`, `<v${i}>`, i ? [`<v${i - 1}>`] : []),
  );
  const roots = references(spine).map((t) => t.msg!.id);
  assert.deepEqual(roots, [1, 257, 513]);
  // 100 000 references: the first (<r0>, message 1) is beyond the 64 nearest, so no link to it
  const refs = ['<r0>', ...Array.from({ length: 100_000 }, (_, i) => `<x${i}>`)];
  assert.equal(formatThreads(references([msg(1, 1, 'a', '<r0>'), msg(2, 2, 'b', '<m>', refs)])), '(1)(2)');
  const near = ['<r0>', ...Array.from({ length: 63 }, (_, i) => `<x${i}>`)];
  assert.equal(formatThreads(references([msg(1, 1, 'a', '<r0>'), msg(2, 2, 'b', '<m>', near)])), '(1 2)');
});
