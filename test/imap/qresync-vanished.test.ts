// VANISHED (EARLIER) when the mailbox index no longer remembers the expunges asked about
// (RFC 7162 §3.2.5.2): every UID the client may know that the session does not have is named,
// as ranges, within the UIDs asked and below UIDNEXT. Built on a real MailboxState, whose memory
// of expunges starts at `vanishedFloor`, and a real SelectedMailbox.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlagSets } from '../../server/store/mailbox-index/entry.ts';
import { MailboxState } from '../../server/store/mailbox-index/state.ts';
import { SelectedMailbox } from '../../server/imap/selected.ts';
import { vanishedEarlier } from '../../server/imap/qresync.ts';

const UIDS = [3, 4, 8, 20];

function setup() {
  const entries = UIDS.map((uid, i) => ({
    uid,
    modseq: 40 + i,
    flags: [],
    size: 10,
    idate: 0,
    hdate: 0,
    id: 'x',
  }));
  // expunges remembered from MODSEQ 30 on: UID 21 at 35, UID 22 at 45
  const view = new MailboxState('m', 'u', new FlagSets(), {
    entries,
    modseq: 50,
    vanished: [21, 35, 22, 45],
    vanishedFloor: 30,
  });
  const box = new SelectedMailbox({
    id: 'm',
    path: 'INBOX',
    readOnly: false,
    uidValidity: 1,
    uidNext: 25,
    modseq: 50,
    uids: [...UIDS],
    recent: new Set(),
    keywords: [],
  });
  return { view, box };
}

test('from within what the index remembers: exactly the UIDs expunged since, in the set asked', () => {
  const { view, box } = setup();
  assert.equal(vanishedEarlier(box, view, [[1, 24]], 30), '21:22');
  assert.equal(vanishedEarlier(box, view, [[1, 24]], 40), '22');
  assert.equal(vanishedEarlier(box, view, [[1, 21]], 30), '21');
  assert.equal(vanishedEarlier(box, view, [[1, 24]], 45), null);
});

test('from further back: every UID asked, below UIDNEXT, that the mailbox does not have', () => {
  const { view, box } = setup();
  assert.equal(vanishedEarlier(box, view, [[1, 24]], 29), '1:2,5:7,9:19,21:24');
  assert.equal(vanishedEarlier(box, view, [[1, 4294967295]], 0), '1:2,5:7,9:19,21:24');
  assert.equal(vanishedEarlier(box, view, [5, [8, 9], [3, 4]], 10), '5,9');
  assert.equal(vanishedEarlier(box, view, [[3, 4], 8, 20], 10), null);
});
