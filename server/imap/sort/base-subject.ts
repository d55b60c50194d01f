// The base subject of RFC 5256 §2.1, used by SORT SUBJECT and both THREAD algorithms. The subject
// arrives decoded (RFC 2047 words already UTF-8, as the store keeps it).

export interface BaseSubject {
  /** The subject without reply/forward markers and leading blobs, whitespace collapsed. */
  base: string;
  /** A "Re:", "Fw:", "Fwd:", "(fwd)" or "[fwd: …]" was removed (RFC 5256 §2.1, threading §3). */
  reply: boolean;
}

// subj-trailer = "(fwd)" / WSP
const TRAILER = /(?:\(fwd\)| )$/i;
// subj-leader = (*subj-blob subj-refwd) / WSP; subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"
const BLOB = String.raw`\[[^[\]]*\] *`;
const REFWD = new RegExp(String.raw`^(?:${BLOB})*(?:re|fwd?) *(?:${BLOB})?:`, 'i');
const LEADING_BLOB = new RegExp(`^${BLOB}`);
// subj-fwd = "[fwd:" subject "]"
const FWD = /^\[fwd:(.*)\]$/i;

export function baseSubject(subject: string): BaseSubject {
  let reply = false;
  // (1) tabs and line breaks become spaces, runs of spaces one space
  let s = subject.replace(/[\t\r\n ]+/g, ' ');
  for (;;) {
    // (2) trailing "(fwd)" and whitespace
    for (let m = TRAILER.exec(s); m; m = TRAILER.exec(s)) {
      if (m[0] !== ' ') reply = true;
      s = s.slice(0, s.length - m[0].length);
    }
    // (5) repeat (3) and (4) until nothing changes
    for (;;) {
      const before = s;
      // (3) leading whitespace and reply/forward markers (with the blobs in front of them)
      for (;;) {
        if (s.startsWith(' ')) {
          s = s.slice(1);
          continue;
        }
        const m = REFWD.exec(s);
        if (!m) break;
        reply = true;
        s = s.slice(m[0].length);
      }
      // (4) one leading blob, when something is left after it
      const blob = LEADING_BLOB.exec(s);
      if (blob && s.length > blob[0].length) s = s.slice(blob[0].length);
      if (s === before) break;
    }
    // (6) "[fwd: subject]" is the subject forwarded: unwrap and start again at (2)
    const fwd = FWD.exec(s);
    if (!fwd) break;
    reply = true;
    s = fwd[1]!;
  }
  return { base: s, reply };
}

/** i;ascii-casemap (RFC 4790 §9.2): ASCII letters compare case-insensitively, everything else by
 * code point; the default collation of SORT and THREAD (RFC 5256 §2.1, §2.2). */
export function compareCasemap(a: string, b: string): number {
  const x = a.replace(/[a-z]+/g, (t) => t.toUpperCase());
  const y = b.replace(/[a-z]+/g, (t) => t.toUpperCase());
  if (x === y) return 0;
  // by code point, as UTF-8 octets order (UTF-16 units do not for characters above U+FFFF)
  const xa = [...x];
  const ya = [...y];
  for (let i = 0; i < Math.min(xa.length, ya.length); i++) {
    const d = xa[i]!.codePointAt(0)! - ya[i]!.codePointAt(0)!;
    if (d) return d;
  }
  return xa.length - ya.length;
}
