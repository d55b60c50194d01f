// RETURN options of SEARCH and SORT (RFC 4731 §3.1, RFC 5182 §2, RFC 5267 §3, §4.2, §4.3 and §4.4)
// and the ESEARCH response that carries their answer (RFC 4731 §3.2).
import { ProtocolError } from './protocol/errors.ts';
import { atom, parseNumber } from './protocol/parse.ts';
import type { Token } from './protocol/reader.ts';
import { formatSequenceSet } from './protocol/response.ts';

export interface ReturnOptions {
  min: boolean;
  max: boolean;
  all: boolean;
  count: boolean;
  /** RFC 5182 SAVE: keep the result for `$`. */
  save: boolean;
  /** RFC 5267 §4.4 PARTIAL low:high, 1-based positions in the result's order. */
  partial?: [number, number];
  /** RFC 5267 §4.3 UPDATE: keep the search as a context and report its changes. */
  update: boolean;
}

/** Options after RETURN, or null when the command has none: `RETURN ()` is `RETURN (ALL)`
 * (RFC 4731 §3.1). Consumes the two tokens from `args`; returns how many it used. */
export function parseReturn(args: readonly Token[]): { options: ReturnOptions | null; used: number } {
  const first = args[0];
  if (first?.kind !== 'atom' || first.bracket || first.value.toUpperCase() !== 'RETURN') {
    return { options: null, used: 0 };
  }
  const list = args[1];
  if (list?.kind !== 'list') throw new ProtocolError('RETURN needs a list of options');
  const o: ReturnOptions = { min: false, max: false, all: false, count: false, save: false, update: false };
  for (let i = 0; i < list.items.length; i++) {
    const name = atom(list.items[i], 'return option').toUpperCase();
    switch (name) {
      case 'MIN':
      case 'MAX':
      case 'ALL':
      case 'COUNT':
      case 'SAVE':
        o[name.toLowerCase() as 'min' | 'max' | 'all' | 'count' | 'save'] = true;
        break;
      case 'UPDATE':
        o.update = true;
        break;
      case 'CONTEXT':
        // RFC 5267 §4.2: a hint that the search will be refined; nothing to prepare for it
        break;
      case 'PARTIAL': {
        // RFC 5267 §4.4: one window per search
        if (o.partial) throw new ProtocolError('PARTIAL given twice');
        const m = /^(\d+):(\d+)$/.exec(atom(list.items[++i], 'partial range'));
        if (!m) throw new ProtocolError('Invalid partial range');
        const a = parseNumber(m[1]!, true);
        const b = parseNumber(m[2]!, true);
        o.partial = [Math.min(a, b), Math.max(a, b)];
        break;
      }
      default:
        // RFC 4731 §3.1: an option the server does not know is a syntax error
        throw new ProtocolError(`Unknown return option: ${name.slice(0, 40)}`);
    }
  }
  // RFC 5267 §4.4: PARTIAL is the paged form of ALL; both at once make no sense
  if (o.partial && o.all) throw new ProtocolError('ALL and PARTIAL are mutually exclusive');
  if (!o.min && !o.max && !o.all && !o.count && !o.save && !o.partial) o.all = true;
  return { options: o, used: 2 };
}

/** True when the arguments ask for SAVE, read before parsing so that a SEARCH that fails still
 * empties the saved result (RFC 5182 §2.1). */
export function asksToSave(args: readonly Token[]): boolean {
  const first = args[0];
  const list = args[1];
  if (first?.kind !== 'atom' || first.value.toUpperCase() !== 'RETURN' || list?.kind !== 'list') return false;
  return list.items.some((t) => t.kind === 'atom' && t.value.toUpperCase() === 'SAVE');
}

/** What SAVE keeps (RFC 5182 §2.1): with MIN or MAX only those, otherwise every message. */
export function savedPart<T>(results: readonly T[], o: ReturnOptions): T[] {
  if (!o.min && !o.max) return [...results];
  const out: T[] = [];
  if (results.length && o.min) out.push(results[0]!);
  if (results.length > (o.min ? 1 : 0) && o.max) out.push(results[results.length - 1]!);
  return out;
}

/**
 * The ESEARCH response (RFC 4731 §3.2) for `results` in the order they are to be reported:
 * ascending for SEARCH, sort order for SORT (RFC 5267 §3: MIN and MAX are the first and last in
 * that order, ALL keeps it). Null when only SAVE was asked for (RFC 5182 §2.1: no response then).
 */
export function esearchResponse(
  tag: string,
  uid: boolean,
  results: readonly number[],
  o: ReturnOptions,
  ordered: boolean,
  /** With a MODSEQ search key (RFC 7162 §3.1.5): the MODSEQ, as sent, of each result. */
  modseqs?: readonly number[],
): string | null {
  if (!o.min && !o.max && !o.all && !o.count && !o.partial) return null;
  let line = `ESEARCH (TAG "${tag}")${uid ? ' UID' : ''}`;
  const n = results.length;
  // RFC 4731 §3.1: MIN, MAX and ALL are left out when nothing matched
  if (o.min && n) line += ` MIN ${results[0]}`;
  if (o.max && n) line += ` MAX ${results[n - 1]}`;
  if (o.all && n) line += ` ALL ${formatSequenceSet(results, ordered)}`;
  if (o.count) line += ` COUNT ${n}`;
  if (o.partial) {
    const [lo, hi] = o.partial;
    const part = results.slice(lo - 1, hi);
    line += ` PARTIAL (${lo}:${hi} ${part.length ? formatSequenceSet(part, ordered) : 'NIL'})`;
  }
  if (modseqs && n) {
    // RFC 7162 §3.1.5 with RFC 4731: the highest MODSEQ of the messages the reply returns
    const returned =
      o.all || o.count ? modseqs : o.partial ? modseqs.slice(o.partial[0] - 1, o.partial[1]) : [];
    let highest = Math.max(0, ...(o.min ? [modseqs[0]!] : []), ...(o.max ? [modseqs[n - 1]!] : []));
    for (const m of returned) highest = Math.max(highest, m);
    if (highest > 0) line += ` MODSEQ ${highest}`;
  }
  return line;
}
