// The arguments CONDSTORE and QRESYNC add to SELECT/EXAMINE, FETCH and STORE (RFC 7162 §3.1, §3.2,
// formal syntax §7). Values are as sent on the wire; modseq.ts turns them into stored MODSEQs.
import { ProtocolError } from './protocol/errors.ts';
import { atom, parseNumber, parseSequenceSet, type SequenceSet } from './protocol/parse.ts';
import type { Token } from './protocol/reader.ts';

/** RFC 7162 §7 mod-sequence-value: 1*DIGIT up to 2^63-1 (`nonZero` for mod-sequence-valzer's
 * opposite). Values past 2^53 cannot be ours and are refused rather than rounded. */
export function parseModseq(tok: Token | undefined, nonZero = false): number {
  const text = atom(tok, 'mod-sequence value');
  if (!/^\d{1,16}$/.test(text)) throw new ProtocolError(`Invalid mod-sequence value: ${text.slice(0, 24)}`);
  const n = Number(text);
  if (!Number.isSafeInteger(n) || (nonZero && n === 0))
    throw new ProtocolError(`Invalid mod-sequence value: ${text}`);
  return n;
}

export interface FetchModifiers {
  /** CHANGEDSINCE (RFC 7162 §3.1.4.1). */
  changedSince?: number;
  /** VANISHED (RFC 7162 §3.2.6): UID FETCH only, with CHANGEDSINCE. */
  vanished: boolean;
}

/** `(CHANGEDSINCE n [VANISHED])` after the fetch items. */
export function parseFetchModifiers(tok: Token | undefined): FetchModifiers {
  const out: FetchModifiers = { vanished: false };
  if (tok === undefined) return out;
  if (tok.kind !== 'list' || tok.items.length === 0) throw new ProtocolError('Invalid fetch modifiers');
  const items = tok.items;
  for (let i = 0; i < items.length; i++) {
    const name = atom(items[i], 'fetch modifier').toUpperCase();
    if (name === 'CHANGEDSINCE' && out.changedSince === undefined) {
      out.changedSince = parseModseq(items[++i], true);
    } else if (name === 'VANISHED' && !out.vanished) {
      out.vanished = true;
    } else {
      throw new ProtocolError(`Unknown fetch modifier: ${name.slice(0, 40)}`);
    }
  }
  return out;
}

/** `(UNCHANGEDSINCE n)` before the store item (RFC 7162 §3.1.3). */
export function parseStoreModifiers(tok: Token): number {
  if (tok.kind !== 'list' || tok.items.length !== 2) throw new ProtocolError('Invalid store modifiers');
  if (atom(tok.items[0], 'store modifier').toUpperCase() !== 'UNCHANGEDSINCE') {
    throw new ProtocolError('Unknown store modifier');
  }
  return parseModseq(tok.items[1]);
}

export interface QresyncParams {
  uidValidity: number;
  modseq: number;
  /** The UIDs the client knows (absent: every UID, RFC 7162 §3.2.5). */
  knownUids?: SequenceSet;
  /** Message numbers and their UIDs; parsed and checked, then not needed (see open-mailbox.ts). */
  seqMatch?: { seqs: SequenceSet; uids: SequenceSet };
}

export type SelectParams = { condstore: boolean; qresync?: QresyncParams };

/** `(CONDSTORE)` / `(QRESYNC (uidvalidity modseq [known-uids [(seqs uids)]]))` after the name. */
export function parseSelectParams(tok: Token | undefined): SelectParams {
  const out: SelectParams = { condstore: false };
  if (tok === undefined) return out;
  if (tok.kind !== 'list' || tok.items.length === 0) throw new ProtocolError('Invalid select parameters');
  const items = tok.items;
  for (let i = 0; i < items.length; i++) {
    const name = atom(items[i], 'select parameter').toUpperCase();
    if (name === 'CONDSTORE' && !out.condstore) out.condstore = true;
    else if (name === 'QRESYNC' && !out.qresync) out.qresync = parseQresync(items[++i]);
    else throw new ProtocolError(`Unknown select parameter: ${name.slice(0, 40)}`);
  }
  return out;
}

function parseQresync(tok: Token | undefined): QresyncParams {
  if (tok?.kind !== 'list' || tok.items.length < 2 || tok.items.length > 4) {
    throw new ProtocolError('Invalid QRESYNC parameters');
  }
  const [v, m, known, match] = tok.items;
  const out: QresyncParams = {
    uidValidity: parseNumber(atom(v, 'UIDVALIDITY'), true),
    modseq: parseModseq(m, true),
  };
  if (known !== undefined) {
    if (known.kind === 'list') throw new ProtocolError('Invalid known UIDs');
    out.knownUids = uidSet(known);
  }
  if (match !== undefined) {
    if (match.kind !== 'list' || match.items.length !== 2)
      throw new ProtocolError('Invalid sequence match data');
    out.seqMatch = { seqs: uidSet(match.items[0]), uids: uidSet(match.items[1]) };
  }
  return out;
}

/** A sequence set without `*` (RFC 7162 §7 known-uids and seq-match-data are sequence-set). */
function uidSet(tok: Token | undefined): SequenceSet {
  const set = parseSequenceSet(atom(tok, 'sequence set'));
  if (set.some((r) => r.start === '*' || r.end === '*')) throw new ProtocolError('`*` is not allowed here');
  return set;
}
