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
