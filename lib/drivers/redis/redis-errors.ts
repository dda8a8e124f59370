import { replyCodeOf } from '../../errors/reply-code.js';
import { StoreCommandError, StoreConnectionError, StoreError } from '../../errors/store.errors.js';

/**
 * Maps an ioredis failure to a typed store error: a server reply error (WRONGTYPE, not an
 * integer, ...) is a `StoreCommandError` carrying the reply's code as `replyCode`; anything else
 * (refused, closed, timed out, retries exhausted, cluster down) means Redis was not reachable:
 * `StoreConnectionError`.
 */
export function toStoreError(error: unknown, operation: string): StoreError {
  if (error instanceof StoreError) return error;
  if (isReplyError(error)) return new StoreCommandError(operation, error, replyCodeOf(error));
  return new StoreConnectionError(operation, error);
}

/** A rejection handler that turns an ioredis failure into a typed store error. */
export function fail(operation: string): (error: unknown) => never {
  return (error) => {
    throw toStoreError(error, operation);
  };
}

function isReplyError(error: unknown): boolean {
  if (!(error instanceof Error) || error.name !== 'ReplyError') return false;
  return !/^(CLUSTERDOWN|LOADING|MASTERDOWN|READONLY|TRYAGAIN)/.test(error.message);
}

/** Whether Redis refused a command because the key holds another type (WRONGTYPE). */
export function isWrongType(error: unknown): boolean {
  return replyCodeOf(error) === 'WRONGTYPE';
}
