// Errors the person running Nestbox can fix. The message is one line that says what went wrong and
// what to do; the command line prints it without a stack trace (the trace only with --debug).
export class UserError extends Error {
  override name = 'UserError';
}
