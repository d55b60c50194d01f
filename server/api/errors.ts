// Every refusal the API makes is an ApiError: an HTTP status plus a stable code name. Store errors
// (filters and autoreplies included) are translated here once, so every route answers the same way for the same cause.
import type { ZodError } from 'zod';
import { isStoreError, type StoreErrorCode } from '../store/index.ts';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

export const notFound = (code: string, message: string) => new ApiError(404, code, message);
export const badInput = (message: string) => new ApiError(400, 'InputValidationError', message);
export const forbidden = (message = 'this token may not do that') => new ApiError(403, 'Forbidden', message);

const STORE_ERRORS: Record<StoreErrorCode, [number, string]> = {
  OVERQUOTA: [403, 'OverQuota'],
  NOUSER: [404, 'UserNotFound'],
  NOMAILBOX: [404, 'NoSuchMailbox'],
  NOMESSAGE: [404, 'MessageNotFound'],
  EXISTS: [409, 'AlreadyExists'],
  CANNOT: [409, 'Cannot'],
  INVALID: [400, 'InputValidationError'],
  DISABLED: [403, 'UserDisabled'],
  RELAY_REQUIRED: [409, 'RELAY_REQUIRED'],
};

/** Readable one-line summary of a zod failure: `field: problem; field: problem`. */
export function describeZodError(err: ZodError, where: string): string {
  return err.issues
    .slice(0, 5)
    .map((i) => {
      const path = i.path.map(String).join('.');
      return `${path ? `${where}.${path}` : where}: ${i.message}`;
    })
    .join('; ');
}

/** Any thrown value → ApiError, or null when it is an unexpected failure (a 500). */
export function toApiError(err: unknown): ApiError | null {
  if (err instanceof ApiError) return err;
  if (isStoreError(err)) {
    const [status, code] = STORE_ERRORS[err.code];
    return new ApiError(status, code, err.message);
  }
  // body-parser errors carry a status and a type
  const e = err as { status?: unknown; type?: unknown; message?: unknown };
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    switch (e.type) {
      case 'entity.too.large':
        return new ApiError(413, 'PayloadTooLarge', 'request body is larger than this route accepts');
      case 'entity.parse.failed':
        return new ApiError(400, 'InvalidJson', 'request body is not valid JSON');
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return new ApiError(415, 'UnsupportedEncoding', String(e.message));
      case 'request.aborted':
        return new ApiError(400, 'RequestAborted', 'request body was cut short');
      default:
        return new ApiError(e.status, 'BadRequest', String(e.message));
    }
  }
  return null;
}
