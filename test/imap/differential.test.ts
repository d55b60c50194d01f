// Differential IMAP suite: every script in test/imap/differential/scripts/ runs against a private
// Dovecot (test/helpers/dovecot.ts) and against Nestbox, each script as a new user with fresh
// mailboxes on both, and the two transcripts must be equal line for line once normalised.
//
// Script format (one behaviour per `*.imap` file):
//   # comment                  blank lines and lines starting with # are ignored
//   C: <tag> <command>         sent as one line; every response up to the tagged one is compared
//   P: <tag> <command>         set-up: sent the same way, only the tagged status (OK/NO/BAD) is
//                              compared
//   C2: / P2:                  the same on the script's second connection (same user)
//   {@name}  {@name+}          inside a command: the message block `name` as a synchronising
//                              literal (the runner waits for "+"; a tagged answer instead ends the
//                              command) or a non-synchronising one (LITERAL+)
//   === name                   a message block: the lines up to the next "===" line, each ended
//   …                          with CRLF. Blocks in differential/messages.imap are known to
//   ===                        every script; a script's own block of the same name wins.
//   ${UIDVALIDITY} ${HIGHESTMODSEQ} ${MODSEQ}
//                              replaced by the latest such value this server sent (HIGHESTMODSEQ
//                              from SELECT/STATUS codes, MODSEQ from a FETCH), since the servers'
//                              values differ; the transcript shows the placeholder.
// The runner logs in itself (greeting and LOGIN are not compared) and logs out at the end.
//
// Normalisation (test/imap/differential/normalise.ts), all of it allowed to differ by the RFCs:
// - text after a status and its response code (RFC 3501 §7.1), and after "+" (§7.5);
// - CAPABILITY responses and codes, and ID responses (RFC 2971): server-specific lists;
// - UIDVALIDITY values, also inside APPENDUID/COPYUID (RFC 3501 §2.3.1.1: any value that grows);
// - INTERNALDATE values (the time each server stored the message);
// - MODSEQ values become their rank among all the script's values (RFC 7162 §3.1.1: they only
//   grow; their numbers are the server's own);
// - "* OK [CLOSED]" before the connection enabled QRESYNC: RFC 7162 §3.2.11 asks for it once
//   QRESYNC is on (Nestbox sends it only then; Dovecot always, as IMAP4rev2 does);
// - a quoted mailbox name that could be an atom, in LIST, LSUB and STATUS (RFC 3501 §4.3);
// - the \Marked and \Unmarked LIST attributes (RFC 3501 §7.2.2: optional);
// - the order of flags in a FLAGS list (RFC 3501 §2.3.2: a set);
// - a run of EXPUNGE responses becomes the numbers it removes, highest first (RFC 3501 §7.4.1
//   allows either order), and a RECENT right after it or after VANISHED is dropped (§7.3.2);
// - the order of the items inside one FETCH response (RFC 3501 §7.4.2) and of the answers to one
//   LIST or LSUB (RFC 3501 §6.3.8, each LIST-STATUS STATUS kept behind its LIST).
// What still differs must be in EXPLAINED below (the Dovecot lines, the Nestbox lines instead, and
// why the RFC allows both), or the script is skipped with the Nestbox bug in its name.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { dovecotBinary, startTestDovecot, type TestDovecot } from '../helpers/dovecot.ts';
import { RawImap } from './_client.ts';
import { startImap, type ImapTestEnv } from './_setup.ts';
import { lineDiff } from './differential/diff.ts';
import { canonicalExpunges, normaliseResponse, rankModseqs, sortListRuns } from './differential/normalise.ts';
import { parseScript, readBlocks, type Script } from './differential/script.ts';

interface Explained {
  script: string;
  /** Normalised transcript lines as Dovecot sends them… */
  dovecot: string[];
  /** …and as Nestbox does instead. */
  nestbox: string[];
  why: string;
}

/** Differences the RFCs allow, each seen in one script (an entry no longer seen fails). */
const EXPLAINED: Explained[] = [
  {
    script: 'append',
    dovecot: ['C: c APPEND Nowhere {@m3}', 'S: c NO [TRYCREATE]'],
    nestbox: ['C: c APPEND Nowhere {@m3}', 'S: +', 'S: c NO [TRYCREATE]'],
    why: 'RFC 3501 §7.5: a server may refuse before the literal; Nestbox reads it, then looks the mailbox up',
  },
  {
    script: 'append',
    dovecot: ['C: l APPEND INBOX (\\Recent) {@m3}', 'S: l BAD'],
    nestbox: ['C: l APPEND INBOX (\\Recent) {@m3}', 'S: +', 'S: l OK [APPENDUID <uidvalidity> 4]'],
    why: 'RFC 3501 §2.3.2: a client cannot set \\Recent; Dovecot refuses the command, Nestbox ignores the flag',
  },
  {
    script: 'multiappend',
    dovecot: ['C: d APPEND Nowhere {@m4} {@m5}', 'S: d NO [TRYCREATE]'],
    nestbox: ['C: d APPEND Nowhere {@m4} {@m5}', 'S: +', 'S: +', 'S: d NO [TRYCREATE]'],
    why: 'RFC 3501 §7.5 / RFC 3502 §3: refusing before or after the literals are both allowed',
  },
  {
    script: 'bad-commands',
    dovecot: ['C: m STORE 1:* +FLAGS (\\Seen)', 'S: m BAD', 'C: n COPY 1:* Archive', 'S: n BAD'],
    nestbox: ['C: m STORE 1:* +FLAGS (\\Seen)', 'S: m OK', 'C: n COPY 1:* Archive', 'S: n OK'],
    why: 'RFC 3501 §9: "*" is the largest number in use, undefined in an empty mailbox; Nestbox reads 1:* as no message',
  },
  {
    script: 'uid-expunge',
    dovecot: ['C: k FETCH 1:* (UID)', 'S: k BAD'],
    nestbox: ['C: k FETCH 1:* (UID)', 'S: k OK'],
    why: 'as in bad-commands: 1:* in an empty mailbox is no message for Nestbox, an error for Dovecot',
  },
  {
    script: 'binary',
    dovecot: ['S: * 1 FETCH (BINARY[2] ~{14}\r\nHello, world!\n)'],
    nestbox: ['S: * 1 FETCH (BINARY[2] {14}\r\nHello, world!\n)'],
    why: 'RFC 3516 §4.3: literal8 is needed only for content with NUL; Nestbox sends a plain literal otherwise',
  },
  {
    script: 'binary',
    dovecot: ['S: * 1 FETCH (BINARY[2]<0> ~{5}\r\nHello)'],
    nestbox: ['S: * 1 FETCH (BINARY[2]<0> {5}\r\nHello)'],
    why: 'as above, for a partial BINARY',
  },
  {
    script: 'binary',
    dovecot: ['S: * 1 FETCH (BINARY[4] {0}\r\n)'],
    nestbox: ['S: * 1 FETCH (BINARY[4] NIL)'],
    why: 'RFC 3516 §4.2 and RFC 3501 §6.4.5 leave a part that does not exist open; both are an nstring with no content',
  },
  {
    script: 'condstore',
    dovecot: [
      'S: * 1 FETCH (BODY[TEXT] {32}\r\nShall we have lunch on Friday?\r\n FLAGS (\\Recent \\Seen))',
      'S: * 1 FETCH (MODSEQ (<m7>))',
    ],
    nestbox: [
      'S: * 1 FETCH (BODY[TEXT] {32}\r\nShall we have lunch on Friday?\r\n FLAGS (\\Recent \\Seen) MODSEQ (<m7>))',
    ],
    why: "RFC 3501 §7.4.2: a message's data may come in one FETCH response or several",
  },
  {
    script: 'condstore',
    dovecot: [
      'S: * 2 FETCH (FLAGS (\\Answered \\Recent \\Seen) MODSEQ (<m8>))',
      'S: * 3 FETCH (FLAGS (\\Answered \\Flagged \\Recent) MODSEQ (<m8>))',
    ],
    nestbox: [
      'S: * 2 FETCH (FLAGS (\\Answered \\Recent \\Seen) MODSEQ (<m9>))',
      'S: * 3 FETCH (FLAGS (\\Answered \\Flagged \\Recent) MODSEQ (<m10>))',
    ],
    why: 'RFC 7162 §3.1.3: one STORE may give its messages one MODSEQ (Dovecot) or one each (Nestbox); both only grow',
  },
  {
    script: 'qresync',
    dovecot: [
      'S: * 1 FETCH (BODY[TEXT] {15}\r\nThanks Carol.\r\n FLAGS (\\Seen))',
      'S: * 1 FETCH (MODSEQ (<m11>) UID 4)',
    ],
    nestbox: ['S: * 1 FETCH (BODY[TEXT] {15}\r\nThanks Carol.\r\n FLAGS (\\Seen) MODSEQ (<m11>) UID 4)'],
    why: "RFC 3501 §7.4.2: a message's data may come in one FETCH response or several",
  },
  {
    script: 'create-rename-delete',
    dovecot: ['C: q DELETE INBOX', 'S: q NO'],
    nestbox: ['C: q DELETE INBOX', 'S: q NO [CANNOT]'],
    why: 'RFC 5530 §3: response codes are optional; Nestbox names the reason',
  },
  {
    script: 'create-rename-delete',
    dovecot: ['S: * LIST (\\Noselect \\HasChildren) "/" Deep'],
    nestbox: ['S: * LIST (\\HasChildren) "/" Deep'],
    why: 'RFC 3501 §6.3.3: a server may create the superior names CREATE needs; Nestbox makes them mailboxes (docs/ARCHITECTURE.md §3)',
  },
  {
    script: 'select-examine',
    dovecot: ['C: g SELECT Nonexistent', 'S: g NO'],
    nestbox: ['C: g SELECT Nonexistent', 'S: g NO [NONEXISTENT]'],
    why: 'RFC 5530 §3: response codes are optional; Nestbox names the reason',
  },
  {
    script: 'status',
    dovecot: ['C: f STATUS Missing (MESSAGES)', 'S: f NO'],
    nestbox: ['C: f STATUS Missing (MESSAGES)', 'S: f NO [NONEXISTENT]'],
    why: 'RFC 5530 §3: response codes are optional; Nestbox names the reason',
  },
  {
    script: 'status',
    dovecot: ['S: h OK [CLIENTBUG]'],
    nestbox: ['S: h OK'],
    why: 'RFC 3501 §6.3.10 tells clients not to STATUS the selected mailbox; warning them (RFC 5530 CLIENTBUG) is optional',
  },
  {
    script: 'sort',
    dovecot: ['S: o NO [BADCHARSET]'],
    nestbox: ['S: o NO [BADCHARSET (UTF-8 US-ASCII)]'],
    why: 'RFC 3501 §7.1: BADCHARSET may list the supported charsets',
  },
  {
    script: 'unselect-enable',
    dovecot: ['C: g ENABLE X-UNKNOWN', 'S: g OK', 'C: h ENABLE CONDSTORE', 'S: * ENABLED CONDSTORE'],
    nestbox: ['C: g ENABLE X-UNKNOWN', 'S: * ENABLED', 'S: g OK', 'C: h ENABLE CONDSTORE', 'S: * ENABLED'],
    why: 'RFC 5161 §3.2: ENABLED lists what the command enabled and may be empty; Dovecot omits an empty one and repeats what was already on',
  },
  {
    script: 'two-sessions',
    dovecot: ['S: * 2 FETCH (FLAGS (\\Flagged \\Recent))'],
    nestbox: ['S: * 2 FETCH (FLAGS (\\Flagged \\Recent) UID 2)'],
    why: 'RFC 3501 §7.4.2: an unsolicited FETCH may carry more items; Nestbox always names the UID',
  },
  {
    script: 'two-sessions',
    dovecot: ['S: * 4 EXISTS', 'S: i OK'],
    nestbox: ['S: * 4 EXISTS', 'S: * 3 RECENT', 'S: i OK'],
    why: 'RFC 3501 §7.3.2: RECENT comes when the mailbox size changes; Dovecot leaves it out when its count did not',
  },
  {
    script: 'two-sessions',
    dovecot: [
      'S: * 1 FETCH (FLAGS (\\Deleted \\Recent) UID 1)',
      'S: * 2 FETCH (FLAGS (\\Flagged \\Recent) UID 2)',
      'S: * 3 FETCH (FLAGS (\\Recent) UID 3)',
      'S: * 4 FETCH (FLAGS () UID 4)',
      'S: * 1 FETCH (FLAGS (\\Deleted \\Recent))',
      'S: l OK',
    ],
    nestbox: [
      'S: * 2 FETCH (FLAGS (\\Flagged \\Recent) UID 2)',
      'S: * 3 FETCH (FLAGS (\\Recent) UID 3)',
      'S: * 4 FETCH (FLAGS () UID 4)',
      'S: l OK [EXPUNGEISSUED]',
    ],
    why: 'RFC 2180 §4.1.2 / RFC 5530: a FETCH of a message expunged elsewhere may serve its last state or leave it out with EXPUNGEISSUED; the EXPUNGE waits for NOOP either way',
  },
  {
    script: 'readonly',
    dovecot: ['C: d STORE 1 +FLAGS (\\Seen)', 'S: d OK'],
    nestbox: ['C: d STORE 1 +FLAGS (\\Seen)', 'S: d NO [READ-ONLY]'],
    why: 'RFC 3501 §6.3.2 permits no change after EXAMINE; Dovecot answers OK and changes nothing, Nestbox says NO (RFC 5530 READ-ONLY)',
  },
  {
    script: 'readonly',
    dovecot: ['C: g EXPUNGE', 'S: g OK'],
    nestbox: ['C: g EXPUNGE', 'S: g NO [READ-ONLY]'],
    why: 'as for STORE: nothing is expunged either way',
  },
  {
    script: 'readonly',
    dovecot: ['C: n MOVE 1 Archive', 'S: * OK [COPYUID <uidvalidity> 1 2]', 'S: * 1 EXPUNGE', 'S: n OK'],
    nestbox: ['C: n MOVE 1 Archive', 'S: n NO [READ-ONLY]'],
    why: 'RFC 3501 §6.3.2 permits no change to a mailbox opened with EXAMINE, which MOVE (RFC 6851 §3.3) would make; Dovecot moves anyway',
  },
  {
    script: 'list-extended',
    dovecot: ['S: * LIST () "/" Projects (CHILDINFO ("SUBSCRIBED"))'],
    nestbox: ['S: * LIST () "/" Projects ("CHILDINFO" ("SUBSCRIBED"))'],
    why: 'RFC 5258 §9: the extended item tag is an astring, quoted or not',
  },
  {
    script: 'list-patterns',
    dovecot: [
      'S: * LSUB (\\Archive) "/" Archive',
      'S: * LSUB (\\Drafts) "/" Drafts',
      'S: * LSUB () "/" INBOX',
      'S: * LSUB (\\Junk) "/" Junk',
      'S: * LSUB () "/" Projects/beta',
      'S: * LSUB (\\Sent) "/" Sent',
      'S: * LSUB (\\Trash) "/" Trash',
    ],
    nestbox: [
      'S: * LSUB () "/" Archive',
      'S: * LSUB () "/" Drafts',
      'S: * LSUB () "/" INBOX',
      'S: * LSUB () "/" Junk',
      'S: * LSUB () "/" Projects/beta',
      'S: * LSUB () "/" Sent',
      'S: * LSUB () "/" Trash',
    ],
    why: 'RFC 6154 §2 puts special-use attributes in LIST; LSUB (RFC 3501 §6.3.9) need not carry them',
  },
];

/** Scripts that show a Nestbox bug not fixed yet: the reason goes into the test's name. */
const NESTBOX_BUGS: Record<string, string> = {};

const DIR = fileURLToPath(new URL('./differential/', import.meta.url));
const shared = new Map<string, Buffer>();
readBlocks(readFileSync(`${DIR}messages.imap`, 'utf8').split(/\r?\n/), shared, 'messages.imap');
const scripts = readdirSync(`${DIR}scripts`)
  .filter((f) => f.endsWith('.imap'))
  .sort()
  .map((f) => ({
    name: f.replace(/\.imap$/, ''),
    script: parseScript(readFileSync(`${DIR}scripts/${f}`, 'utf8'), shared, f),
  }));

interface Target {
  /** A connection logged in as `user`, greeting and LOGIN consumed. */
  open(user: string): Promise<RawImap>;
}

let dovecot: TestDovecot | undefined;
let nestbox: ImapTestEnv | undefined;
const targets: { dovecot?: Target; nestbox?: Target } = {};

async function login(c: RawImap, user: string, password: string): Promise<RawImap> {
  await c.response();
  const r = await c.command('L0', `LOGIN ${user} ${password}`);
  if (!r[r.length - 1]!.startsWith('L0 OK')) throw new Error(`login failed: ${r.join('\n')}`);
  return c;
}

before(async () => {
  if (!dovecotBinary) return;
  const specials = ['Drafts', 'Sent', 'Trash', 'Junk', 'Archive'];
  [dovecot, nestbox] = await Promise.all([
    startTestDovecot({
      // dbox: any mailbox name Nestbox takes (maildir++ would refuse ".")
      mailLocation: 'sdbox:{{ROOT}}/mail/%u',
      config: [
        // Nestbox's layout: "/" as separator, INBOX and the special-use folders made, subscribed
        'namespace inbox {',
        '  inbox = yes',
        '  separator = /',
        '  prefix =',
        '  mailbox INBOX {\n    auto = subscribe\n  }',
        ...specials.map((m) => `  mailbox ${m} {\n    special_use = \\${m}\n    auto = subscribe\n  }`),
        '}',
      ],
    }),
    startImap(),
  ]);
  const d = dovecot;
  const n = nestbox;
  targets.dovecot = { open: async (user) => login(await RawImap.open(d.port), user, d.password) };
  const made = new Set<string>();
  targets.nestbox = {
    async open(user) {
      if (!made.has(user)) await n.newUser(user);
      made.add(user);
      return login(await RawImap.open(n.port, { localAddress: n.ip }), user, `pw-${user}-secret`);
    },
  };
});

after(async () => {
  await Promise.all([dovecot?.stop(), nestbox?.srv.stop()]);
});

function capture(response: string, vars: Map<string, string>): void {
  const uidvalidity = /\bUIDVALIDITY (\d+)/i.exec(response);
  if (uidvalidity) vars.set('UIDVALIDITY', uidvalidity[1]!);
  const highest = /\bHIGHESTMODSEQ (\d+)/i.exec(response);
  if (highest) vars.set('HIGHESTMODSEQ', highest[1]!);
  const modseq = /\bMODSEQ \((\d+)\)/i.exec(response);
  if (modseq) vars.set('MODSEQ', modseq[1]!);
}

/** Runs a script and returns its normalised transcript. */
async function run(script: Script, target: Target, user: string): Promise<string[]> {
  const conns = new Map<number, RawImap>();
  const vars = new Map<string, string>();
  const out: string[] = [];
  const qresync = new Set<number>();
  const fill = (text: string) =>
    text.replace(/\$\{(\w+)\}/g, (_, k: string) => {
      const v = vars.get(k);
      if (v === undefined) throw new Error(`\${${k}} used before the server sent one`);
      return v;
    });
  try {
    for (const step of script.steps) {
      let c = conns.get(step.conn);
      if (!c) conns.set(step.conn, (c = await target.open(user)));
      const responses: string[] = [];
      let answered = false;
      for (let i = 0; i < step.parts.length && !answered; i++) {
        const part = step.parts[i]!;
        if (typeof part === 'string') {
          c.write(fill(part) + (i === step.parts.length - 1 ? '\r\n' : ''));
          continue;
        }
        const bytes = script.blocks.get(part.block)!;
        c.write(`{${bytes.length}${part.nonSync ? '+' : ''}}\r\n`);
        while (!part.nonSync) {
          const r = await c.response();
          if (r === null) throw new Error(`connection closed during: ${step.text}`);
          responses.push(r);
          if (r.startsWith('+')) break;
          if (r.startsWith(`${step.tag} `)) answered = true;
          if (answered) break;
        }
        if (!answered) c.write(bytes);
      }
      if (!answered) responses.push(...(await c.until(step.tag)));
      for (const r of responses) capture(r, vars);
      if (/^\S+ \S+ (ENABLE .*QRESYNC|(SELECT|EXAMINE) .*\(QRESYNC)/i.test(step.text)) qresync.add(step.conn);
      out.push(step.text);
      if (step.kind === 'P') {
        const tagged = responses[responses.length - 1]!;
        out.push(`S: ${tagged.split(' ').slice(0, 2).join(' ')}`);
      } else {
        for (const r of responses) {
          // RFC 7162 §3.2.11: CLOSED is for clients that enabled QRESYNC; Dovecot tells all.
          if (!qresync.has(step.conn) && /^\* OK \[CLOSED\]/i.test(r)) continue;
          out.push(`S: ${normaliseResponse(r)}`);
        }
      }
    }
  } finally {
    for (const c of conns.values()) {
      c.write('Z LOGOUT\r\n');
      c.close();
    }
  }
  return sortListRuns(rankModseqs(canonicalExpunges(out)));
}

/** Finds `block` in `lines` and puts `instead` in its place, or says it is not there. */
function replaceRun(lines: string[], block: string[], instead: string[]): boolean {
  for (let i = 0; i + block.length <= lines.length; i++) {
    if (block.every((l, k) => lines[i + k] === l)) {
      lines.splice(i, block.length, ...instead);
      return true;
    }
  }
  return false;
}

let userCount = 0;
for (const { name, script } of scripts) {
  const bug = NESTBOX_BUGS[name];
  const title = bug ? `${name} (Nestbox bug: ${bug})` : name;
  test(
    title,
    { skip: bug ? true : dovecotBinary ? false : 'dovecot is not installed', timeout: 30_000 },
    async () => {
      const user = `diff${++userCount}`;
      const [fromDovecot, fromNestbox] = await Promise.all([
        run(script, targets.dovecot!, user),
        run(script, targets.nestbox!, user),
      ]);
      for (const e of EXPLAINED.filter((x) => x.script === name)) {
        assert.ok(
          replaceRun(fromDovecot, e.dovecot, e.nestbox),
          `${name}: explained difference no longer seen in Dovecot's answers (${e.why}):\n${e.dovecot.join('\n')}`,
        );
      }
      if (fromNestbox.join('\n') !== fromDovecot.join('\n')) {
        assert.fail(`${name}: "-" Dovecot, "+" Nestbox\n${lineDiff(fromDovecot, fromNestbox)}`);
      }
    },
  );
}
