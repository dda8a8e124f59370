/**
 * The error code a Redis reply opens with (`WRONGTYPE Operation against a key…`): the ones
 * nestjs-store acts on, and any other a server may send (`ERR`, `NOPERM`, a module's own, …).
 * `string & {}` keeps the known codes offered by editors while any string is still accepted.
 */
export type StoreReplyCode =
  'WRONGTYPE' | 'NOGROUP' | 'NOSCRIPT' | 'BUSYGROUP' | 'ERR' | (string & {});

/** Redis words every error reply as `<CODE> <text>`, the code in capitals. */
const LEADING_CODE = /^([A-Z][A-Z0-9_]*)(?= |$)/;

/**
 * Redis 6 rewords a command that fails inside a script as
 * `ERR Error running script (call to f_<sha>): @user_script:<line>: <CODE> <text>`; the code that
 * matters is the inner one (Redis 7 passes the command's own reply through).
 */
const SCRIPT_CALL_FAILURE =
  /^ERR Error running script \(call to [^)]*\): @\w+: ?\d+: ([A-Z][A-Z0-9_]*)(?= |$)/;

/**
 * The Redis error code of a server reply error (an ioredis `ReplyError`, or an `Error` worded like
 * one), or `undefined` when its message does not open with one. The one place that reads the
 * code from message text: everything else reads `StoreCommandError.replyCode`.
 */
export function replyCodeOf(error: unknown): StoreReplyCode | undefined {
  if (!(error instanceof Error)) return undefined;
  return (SCRIPT_CALL_FAILURE.exec(error.message) ?? LEADING_CODE.exec(error.message))?.[1];
}
