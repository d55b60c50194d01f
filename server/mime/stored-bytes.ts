// Byte fields of a tree read back from MongoDB arrive as BSON Binary, not Buffer; accept both.
export function storedBytes(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (value && typeof value === 'object' && 'buffer' in value) {
    const { buffer, position } = value as { buffer: unknown; position?: unknown };
    if (buffer instanceof Uint8Array) {
      const bytes = Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      return typeof position === 'number' ? bytes.subarray(0, position) : bytes;
    }
  }
  return Buffer.alloc(0);
}
