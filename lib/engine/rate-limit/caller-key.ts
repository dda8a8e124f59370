import { createHash } from 'node:crypto';
import { assertKey } from '../../common/validation.js';

/**
 * Caller keys longer than this are replaced by their hash: an API key header or a long forwarded
 * address must never fail a check.
 */
export const MAX_PLAIN_CALLER_KEY = 200;

/**
 * The key a rate-limit check counts under: the caller's key as given, or, when longer than
 * `MAX_PLAIN_CALLER_KEY`, `#` and its SHA-256 (base64url). Both the store keys and the in-process
 * refusal memory use it, so neither grows with the caller's input. Rejects what is not a
 * non-empty, well-formed string with `StoreInvalidKeyError`.
 */
export function callerKeyOf(key: string): string {
  assertKey(key, Number.MAX_SAFE_INTEGER);
  return key.length <= MAX_PLAIN_CALLER_KEY
    ? key
    : `#${createHash('sha256').update(key).digest('base64url')}`;
}
