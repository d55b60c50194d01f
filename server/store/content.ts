// The heavy parts of a message document, each kept as one BSON Binary: `content` is the MIME tree
// with the message's bytes (what FETCH BODY[] and POP3 RETR read), `searchable` the header fields
// and the decoded text (what SEARCH reads), so neither read decodes the other's part.
// Why: FerretDB's SQLite handler reads every document of the collection for any query that is not
// a bare `_id` lookup, and the cost is in decoding documents, not in filtering them. A deep tree
// of small values costs far more to decode than the same bytes as one Binary: measured on 5 000
// corpus messages, listing (uid, size) took 14.6 s with the parts as fields and 4.5 s packed.
// Nothing queries inside these parts (SEARCH matches text and headers in Node, see search.ts).
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { Binary, BSON } from 'mongodb';

export interface Content {
  /** The MIME tree from server/mime: rebuilds the exact bytes with the GridFS bodies. */
  tree: unknown;
}

export interface Searchable {
  headers: Array<{ key: string; value: string }>;
  /** Decoded text of the message (capped); BODY and TEXT searches look here. */
  text: string;
}

/**
 * Marks a part stored deflated. A BSON document starts with its length as an int32, and none has
 * length -1, so a part without the mark (stored by an earlier version) is plain BSON.
 * Why deflated: FerretDB on PostgreSQL reads every message row in full to find one by `_id` (§3),
 * and a row's cost grows with its bytes; mail text deflates to about a third, and PostgreSQL's own
 * compression gets little out of the base64 form a Binary takes in its rows. Measured on 1 000
 * corpus messages: a find by `_id` 39 ms with the parts plain, 8.9 ms with them deflated.
 */
const DEFLATED = Buffer.from([0xff, 0xff, 0xff, 0xff]);

export function pack(part: Content | Searchable): Binary {
  return new Binary(storedForm(BSON.serialize(part)));
}

/** A part's plain BSON bytes (as `plainPart` gives them) packed again, in a buffer of its own. */
export function repack(bson: Uint8Array): Binary {
  const stored = storedForm(bson);
  return new Binary(stored === bson ? Buffer.from(bson) : stored);
}

/** Deflated and marked when that is smaller, else the BSON bytes themselves. */
function storedForm(bson: Uint8Array): Uint8Array {
  const deflated = deflateRawSync(bson);
  return deflated.length + DEFLATED.length < bson.length ? Buffer.concat([DEFLATED, deflated]) : bson;
}

/** A packed part's BSON bytes as the driver returned it (a Buffer with `promoteBuffers`, else a
 * Binary), inflated when it was stored deflated. */
export function plainPart(stored: Binary | Buffer | Uint8Array): Uint8Array {
  const bytes = stored instanceof Binary ? stored.buffer : stored;
  const deflated =
    bytes.length > DEFLATED.length &&
    bytes[0] === 0xff &&
    bytes[1] === 0xff &&
    bytes[2] === 0xff &&
    bytes[3] === 0xff;
  return deflated ? inflateRawSync(bytes.subarray(DEFLATED.length)) : bytes;
}

/** Reads a packed part as the driver returned it. */
export function unpack<T extends Content | Searchable>(stored: Binary | Buffer | Uint8Array): T {
  return BSON.deserialize(plainPart(stored), { promoteBuffers: true }) as T;
}
