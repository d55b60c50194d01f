// Reading parts of a stored message for the API: the decoded content of one attachment and the
// HTML bodies. The MIME module decodes both, from the tree the store keeps (docs/ARCHITECTURE.md §5).
import type { Store } from '../store/index.ts';

async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks);
}

/** The body of part `part` ("2", "1.3") with its transfer encoding undone; null when absent. */
export async function decodedPart(
  store: Store,
  user: string,
  mailbox: string,
  uid: number,
  part: string,
): Promise<Buffer | null> {
  const message = await store.messages.open(user, mailbox, uid);
  if (!message) return null;
  const decoded = await message.binary(part.split('.').map(Number));
  if (decoded !== 'unknown-cte') return decoded;
  // an encoding nobody can undo (x-uuencode…): the bytes as they came
  const body = message.section(part);
  return body ? readAll(body.stream) : null;
}

/** HTML bodies of a message, one per HTML part (none for plain-text mail). */
export async function htmlOf(store: Store, user: string, mailbox: string, uid: number): Promise<string[]> {
  const message = await store.messages.open(user, mailbox, uid);
  return message ? message.html() : [];
}
