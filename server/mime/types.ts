// Shapes of the stored MIME tree and of what parseMessage returns.
// The tree is a flat array so MongoDB's 100-level nesting limit never applies, and every
// value is storable in FerretDB too: no arrays in arrays, no keys with "." or "$", no NUL in
// strings (raw bytes are Buffers, stored as BSON Binary).

/** A body kept outside the tree (GridFS), named by the SHA-256 of its bytes as transmitted. */
export interface ExternalRef {
  sha256: string;
  size: number;
}

/** One entity: a message, an embedded message, or a MIME part. Nodes are in document order. */
export interface MimeNode {
  /** Index of the enclosing node, -1 for the top-level message. */
  parent: number;
  /**
   * What the body holds: `leaf` bytes, `multipart` children (preamble in `body`, closing
   * delimiter and epilogue in `post`) or one embedded `message` (the next node).
   */
  kind: 'leaf' | 'multipart' | 'message';
  /** Lower-case "type/subtype" in effect (defaults applied). */
  contentType: string;
  /**
   * IMAP part number addressing this node's body (RFC 3501 §6.4.5): "1", "2.1"… Null for a
   * multipart message, whose parts are numbered instead.
   */
  part: string | null;
  /** Bytes before this entity inside its parent's body: the boundary delimiter line. */
  pre: Buffer;
  /** The header block exactly as received, including the empty line that ends it. */
  header: Buffer;
  /** Leaf: the body. Multipart: the preamble. Message: empty. */
  body: Buffer | null;
  /** Set instead of `body` when it was moved out of the tree (a large leaf body or preamble). */
  external: ExternalRef | null;
  /** Multipart: bytes after the last parsed child (close delimiter, epilogue, unparsed rest). */
  post: Buffer;
  /** Set instead of `post` when those bytes were moved out of the tree. */
  postExternal: ExternalRef | null;
  /** Offsets in the whole message: where `header` starts, where the body starts, where it ends. */
  start: number;
  bodyStart: number;
  end: number;
}

export type MimeTree = MimeNode[];

export interface ExternalBody {
  sha256: string;
  content: Buffer;
  contentType: string;
  filename?: string;
}

export interface AddressValue {
  name: string;
  address: string;
}

export interface AttachmentInfo {
  id: string;
  filename: string | null;
  contentType: string;
  disposition: string | null;
  size: number;
  contentId?: string;
}

export interface HeaderValue {
  key: string;
  value: string;
}

export interface ParseOptions {
  externalizeAbove?: number;
  maxDepth?: number;
  maxParts?: number;
}

export interface ParsedMessage {
  tree: MimeTree;
  externalBodies: ExternalBody[];
  size: number;
  bodystructure: string;
  body: string;
  envelope: string;
  headers: HeaderValue[];
  subject: string;
  from: AddressValue[];
  to: AddressValue[];
  cc: AddressValue[];
  bcc: AddressValue[];
  replyTo: AddressValue[];
  sender: AddressValue[];
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  date: Date | null;
  text: string;
  intro: string;
  attachments: AttachmentInfo[];
  hasAttachments: boolean;
}
