// The heavy parts of a message document, each kept as one BSON Binary: `content` is the MIME tree
// with the message's bytes (what FETCH BODY[] and POP3 RETR read), `searchable` the header fields
// and the decoded text (what SEARCH reads), so neither read decodes the other's part.
// Why: FerretDB's SQLite handler reads every document of the collection for any query that is not
// a bare `_id` lookup, and the cost is in decoding documents, not in filtering them. A deep tree
// of small values costs far more to decode than the same bytes as one Binary: measured on 5 000
// corpus messages, listing (uid, size) took 14.6 s with the parts as fields and 4.5 s packed.
// Nothing queries inside these parts (SEARCH matches text and headers in Node, see search.ts).
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

export function pack(part: Content | Searchable): Binary {
  return new Binary(BSON.serialize(part));
}

/** Reads a packed part as the driver returned it (a Buffer with `promoteBuffers`, else a Binary). */
export function unpack<T extends Content | Searchable>(stored: Binary | Buffer | Uint8Array): T {
  const bytes = stored instanceof Binary ? stored.buffer : stored;
  return BSON.deserialize(bytes, { promoteBuffers: true }) as T;
}
