/** A client's input broke the protocol; the message is safe to send back after `BAD`/`NO`. */
export class ProtocolError extends Error {
  /** A response code for the tagged answer, e.g. `TOOBIG`, `BADCHARSET`, `CLIENTBUG`. */
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
  }
}
