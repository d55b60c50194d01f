// Public ids are hex strings; bad ones are "not found", never a thrown BSON error.
import { ObjectId } from 'mongodb';

export function oid(id: string): ObjectId | null {
  return typeof id === 'string' && /^[0-9a-f]{24}$/i.test(id) ? new ObjectId(id) : null;
}
