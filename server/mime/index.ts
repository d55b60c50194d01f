// Public surface of the MIME module.
export { parseMessage } from './parse.ts';
export { messagePieces, messageSize, streamMessage } from './rebuild.ts';
export type { ByteRange, OpenBody } from './rebuild.ts';
export { resolveSection } from './section.ts';
export type { ResolvedSection, SectionKind, SectionSpec } from './section.ts';
export type {
  AddressValue,
  AttachmentInfo,
  ExternalBody,
  ExternalRef,
  HeaderValue,
  MimeNode,
  MimeTree,
  ParsedMessage,
  ParseOptions,
} from './types.ts';
export { sentDay } from './sent-date.ts';
export { binaryEncoding, decodeBinary, knownEncoding } from './binary.ts';
export { htmlBodies, messageContent } from './message-content.ts';
export type { MessageContent } from './message-content.ts';
